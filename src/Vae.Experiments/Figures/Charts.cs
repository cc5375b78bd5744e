using MathNet.Numerics.LinearAlgebra;
using ScottPlot;

namespace Vae.Experiments.Figures;

/// <summary>A named line of a chart.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">x values.</param>
/// <param name="Y">y values.</param>
/// <param name="Dashed">Dashed line (train curves) or solid (test curves).</param>
/// <param name="ColorIndex">Index into the palette, so train and test of one model share a colour.</param>
internal sealed record Series(string Label, double[] X, double[] Y, bool Dashed, int ColorIndex);

/// <summary>Charts drawn with ScottPlot: loss curves, latent scatter plots, lower-bound curves.</summary>
internal static class Charts
{
    static readonly ScottPlot.Palettes.Category10 Palette = new();

    /// <summary>
    /// Line chart of several series; with <paramref name="logX"/> the x-axis is log10 with decade labels, with
    /// <paramref name="integerX"/> its ticks fall on whole numbers (epochs); <paramref name="legend"/> places the legend.
    /// </summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IReadOnlyList<Series> series, bool logX = false, int width = 900, int height = 560, Alignment legend = Alignment.UpperRight, bool integerX = false)
    {
        var plot = new Plot();
        foreach (var s in series)
        {
            double[] xs = logX ? s.X.Select(Math.Log10).ToArray() : s.X;
            var line = plot.Add.Scatter(xs, s.Y);
            line.LegendText = s.Label;
            line.Color = Palette.GetColor(s.ColorIndex);
            line.LineWidth = 2;
            line.MarkerSize = s.Dashed ? 0 : 6; // dashed without markers, solid with: the two tell apart in the legend too
            line.LinePattern = s.Dashed ? LinePattern.Dashed : LinePattern.Solid;
        }
        if (logX)
        {
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            double lo = Math.Floor(series.SelectMany(s => s.X).Min(Math.Log10)), hi = Math.Ceiling(series.SelectMany(s => s.X).Max(Math.Log10));
            for (double d = lo; d <= hi; d++) ticks.AddMajor(d, $"1e{d:0}");
            plot.Axes.Bottom.TickGenerator = ticks;
        }
        if (integerX) plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
        PngFile.SaveChart(plot.GetImageBytes(width, height, ImageFormat.Png), path);
    }

    /// <summary>Scatter of 2-D points coloured by class, one legend entry per class name.</summary>
    public static void Scatter(string path, string title, string xLabel, string yLabel, double[,] points, long[] labels, IReadOnlyList<string> classNames)
    {
        var plot = new Plot();
        for (int k = 0; k < classNames.Count; k++)
        {
            var idx = Enumerable.Range(0, labels.Length).Where(i => labels[i] == k).ToArray();
            if (idx.Length == 0) continue;
            var s = plot.Add.Scatter(idx.Select(i => points[i, 0]).ToArray(), idx.Select(i => points[i, 1]).ToArray());
            s.LineWidth = 0;
            s.MarkerSize = 3;
            s.Color = Palette.GetColor(k).WithAlpha(0.6);
            s.LegendText = classNames[k];
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        PngFile.SaveChart(plot.GetImageBytes(900, 800, ImageFormat.Png), path);
    }

    /// <summary>
    /// The first two principal components of <paramref name="n"/> rows of <paramref name="d"/> values: the rows projected
    /// onto them, the share of variance each explains, the mean and the two unit directions (so a point of the plane maps
    /// back to mean + p₁·u₁ + p₂·u₂).
    /// </summary>
    public static Pca2Result Pca2(float[] data, int n, int d)
    {
        var x = Matrix<double>.Build.Dense(n, d, (i, j) => data[i * d + j]);
        var mean = x.ColumnSums() / n;
        var centered = x - Matrix<double>.Build.Dense(n, d, (_, j) => mean[j]);
        var covariance = centered.TransposeThisAndMultiply(centered) / Math.Max(1, n - 1);
        var evd = covariance.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, d).OrderByDescending(i => evd.EigenValues[i].Real).Take(2).ToArray();
        var basis = Matrix<double>.Build.Dense(d, 2, (j, k) => evd.EigenVectors[j, order[k]]);
        var projected = centered * basis;
        double totalVariance = evd.EigenValues.Sum(v => v.Real);
        return new Pca2Result(projected.ToArray(), order.Select(i => evd.EigenValues[i].Real / totalVariance).ToArray(), mean.ToArray(), basis.ToArray());
    }
}

/// <summary>A 2-D principal-component projection (see <see cref="Charts.Pca2"/>).</summary>
/// <param name="Points">[n, 2] the rows in the plane.</param>
/// <param name="ExplainedVariance">The share of the total variance along each of the two directions.</param>
/// <param name="Mean">[d] the mean row.</param>
/// <param name="Basis">[d, 2] the two unit directions, as columns.</param>
internal sealed record Pca2Result(double[,] Points, double[] ExplainedVariance, double[] Mean, double[,] Basis);
