using System.Diagnostics;
using Vae.Core.Evaluation;

namespace Vae.Experiments.Terminal;

/// <summary>
/// Plain-line progress of an importance-weighted likelihood estimate: one line per tenth of the images,
/// with throughput and ETA, written through <paramref name="log"/> and prefixed with <paramref name="label"/>.
/// </summary>
internal sealed class EstimateProgress(string label, int k, Action<string> log) : IProgress<EvaluationProgress>
{
    readonly Stopwatch watch = Stopwatch.StartNew();
    int lastTenth = -1;

    /// <inheritdoc />
    public void Report(EvaluationProgress p)
    {
        int tenth = 10 * p.Done / p.Total;
        if (tenth == lastTenth) return;
        lastTenth = tenth;
        double s = watch.Elapsed.TotalSeconds;
        log($"{label}importance sampling (k = {k}) {p.Done}/{p.Total} images, {p.Done / s:F1} images/s, ETA {ConsoleProgress.FormatSeconds(s / p.Done * (p.Total - p.Done))}");
    }
}
