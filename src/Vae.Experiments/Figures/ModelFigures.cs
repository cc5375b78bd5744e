using TorchSharp;
using Vae.Core.Evaluation;
using Vae.Core.Models;
using Vae.Core.Training;
using Vae.Data;
using static TorchSharp.torch;
using Vae.Core.Metrics;
using Vae.Core.Runtime;

namespace Vae.Experiments.Figures;

/// <summary>The standard pictures of a trained model.</summary>
internal static class ModelFigures
{
    /// <summary>100 samples from the prior, 10 per row.</summary>
    public static void Samples(VariationalAutoencoder model, string path, long seed, Device device, int count = 100)
    {
        using var generator = Devices.Generator(seed, device);
        using var images = Generation.SamplePrior(model, count, generator, device);
        ImageGrid.Save(images, 10, path);
    }

    /// <summary>The first 10·<paramref name="rows"/> test images and their reconstructions, saved by <see cref="ReconstructionGrid"/>'s layout.</summary>
    public static void Reconstructions(VariationalAutoencoder model, Tensor testImages, string path, int rows = 4)
    {
        using var grid = ReconstructionGrid(model, testImages.narrow(0, 0, Math.Min(10 * rows, testImages.shape[0])));
        ImageGrid.Save(grid, 10, path);
    }

    /// <summary>
    /// The layout of every reconstruction figure, 10 columns: a row of up to 10 originals, then the row of their
    /// reconstructions beneath, and so on. <paramref name="originals"/> [N, C, H, W] → [2N, C, H, W].
    /// </summary>
    public static Tensor ReconstructionGrid(VariationalAutoencoder model, Tensor originals)
    {
        using var scope = torch.NewDisposeScope();
        var recon = Generation.Reconstruct(model, originals);
        var rows = new List<Tensor>();
        for (long r = 0; r * 10 < originals.shape[0]; r++)
        {
            long len = Math.Min(10, originals.shape[0] - r * 10);
            rows.Add(originals.narrow(0, r * 10, len));
            rows.Add(recon.narrow(0, r * 10, len));
        }
        return scope.MoveToOuter(torch.cat(rows, 0));
    }

    /// <summary>Scatter of the test set's latent means coloured by class; PCA to 2-D when the latent has more dimensions.</summary>
    public static void Latent(VariationalAutoencoder model, ImageDataset test, string path, string title)
    {
        using var means = Generation.LatentMeans(model, test.Images); // [N, D]
        int n = (int)means.shape[0], d = (int)means.shape[1];
        var values = means.data<float>().ToArray();
        long[] labels = test.Labels.cpu().data<long>().ToArray();
        if (d == 1)
        {
            var pts = new double[n, 2];
            for (int i = 0; i < n; i++) { pts[i, 0] = values[i]; pts[i, 1] = labels[i]; }
            Charts.Scatter(path, title, "z₁ (posterior mean)", "class", pts, labels, test.Info.ClassNames);
        }
        else if (d == 2)
        {
            var pts = new double[n, 2];
            for (int i = 0; i < n; i++) { pts[i, 0] = values[2 * i]; pts[i, 1] = values[2 * i + 1]; }
            Charts.Scatter(path, title, "z₁ (posterior mean)", "z₂ (posterior mean)", pts, labels, test.Info.ClassNames);
        }
        else
        {
            var (pts, explained, _, _) = Charts.Pca2(values, n, d);
            Charts.Scatter(path, title + $" (PCA of {d}-D means)", $"PC1 ({explained[0]:P0} of variance)", $"PC2 ({explained[1]:P0} of variance)", pts, labels, test.Info.ClassNames);
        }
    }

    /// <summary>The decoded 2-D latent grid (paper Fig. 4 style), 20×20.</summary>
    public static void Manifold(VariationalAutoencoder model, string path, Device device, int side = 20)
    {
        using var images = Generation.Manifold(model, side, device);
        ImageGrid.Save(images, side, path, scale: 1);
    }

    /// <summary>Train (dashed) and test (solid) negative ELBO per epoch, one colour per seed.</summary>
    public static void Loss(IReadOnlyList<(long Seed, IReadOnlyList<EpochMetrics> History)> runs, string path, string title)
    {
        var series = new List<Series>();
        for (int i = 0; i < runs.Count; i++)
        {
            var h = runs[i].History;
            series.Add(new Series($"train, seed {runs[i].Seed}", h.Select(e => (double)e.Epoch).ToArray(), h.Select(e => e.Train.Total).ToArray(), true, i));
            var tested = h.Where(e => e.Test is not null).ToArray();
            series.Add(new Series($"test, seed {runs[i].Seed}", tested.Select(e => (double)e.Epoch).ToArray(), tested.Select(e => e.Test!.Total).ToArray(), false, i));
        }
        Charts.Lines(path, title, "epoch", "negative ELBO per image (nats)", series, integerX: true);
    }
}
