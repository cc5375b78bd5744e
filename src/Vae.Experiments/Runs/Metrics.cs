using Vae.Core.Config;
using Vae.Core.Training;
using Vae.Core.Metrics;

namespace Vae.Experiments.Runs;

/// <summary>Mean and sample standard deviation over seeds of each loss term.</summary>
/// <param name="Total">Mean total.</param>
/// <param name="TotalSd">Standard deviation of the total (0 for one seed).</param>
/// <param name="Reconstruction">Mean reconstruction term.</param>
/// <param name="ReconstructionSd">Its standard deviation.</param>
/// <param name="Kl">Mean KL term.</param>
/// <param name="KlSd">Its standard deviation.</param>
internal sealed record Aggregate(double Total, double TotalSd, double Reconstruction, double ReconstructionSd, double Kl, double KlSd)
{
    public static Aggregate Of(IReadOnlyList<LossSummary> values) => new(
        Mean(values, v => v.Total), Sd(values, v => v.Total), Mean(values, v => v.Reconstruction), Sd(values, v => v.Reconstruction),
        Mean(values, v => v.Kl), Sd(values, v => v.Kl));

    static double Mean(IReadOnlyList<LossSummary> v, Func<LossSummary, double> f) => v.Average(f);

    static double Sd(IReadOnlyList<LossSummary> v, Func<LossSummary, double> f)
    {
        if (v.Count < 2) return 0;
        double m = v.Average(f);
        return Math.Sqrt(v.Sum(x => (f(x) - m) * (f(x) - m)) / (v.Count - 1));
    }
}

/// <summary>The outcome of one seed: final test and train metrics (eval mode) and the per-epoch history.</summary>
/// <param name="Seed">The training seed.</param>
/// <param name="Test">Test-set metrics after training.</param>
/// <param name="Train">Training-set metrics after training (same evaluation as the test set).</param>
/// <param name="History">Per-epoch history.</param>
/// <param name="WallSeconds">Training and evaluation time.</param>
/// <param name="Run">Commit, device and threads of the run.</param>
internal sealed record SeedResult(long Seed, LossSummary Test, LossSummary Train, IReadOnlyList<EpochMetrics> History, double WallSeconds, RunInfo Run);

/// <summary>Everything metrics.json holds for an entry.</summary>
internal sealed record EntryMetrics(
    string Entry, string Dataset, int LatentDim, string Architecture, long ParameterCount, int Epochs, int BatchSize,
    string Optimizer, double LearningRate, IReadOnlyList<long> Seeds, Aggregate Test, Aggregate Train, Reference? Reference,
    double? DifferenceToReference, IReadOnlyList<SeedResult> PerSeed, ModelConfig Model, TrainingConfig Training,
    bool Quick, int TrainExamples, int TestExamples, string Commit, double WallSeconds, string Device, int Threads);
