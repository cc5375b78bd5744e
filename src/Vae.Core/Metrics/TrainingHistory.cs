using System.Text.Json.Serialization;

namespace Vae.Core.Metrics;

/// <summary>Mean per-example negative ELBO and its parts over a split, in nats.</summary>
/// <param name="Total">Reconstruction + Kl.</param>
/// <param name="Reconstruction">Reconstruction negative log-likelihood.</param>
/// <param name="Kl">Analytic KL to the prior.</param>
public sealed record LossSummary(double Total, double Reconstruction, double Kl);

/// <summary>Negative ELBO terms summed over the examples of one batch, in nats.</summary>
/// <param name="Total">Σ (reconstruction + KL).</param>
/// <param name="Reconstruction">Σ reconstruction NLL.</param>
/// <param name="Kl">Σ KL.</param>
public sealed record BatchSums(double Total, double Reconstruction, double Kl);

/// <summary>What one epoch produced.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Train">Mean training loss over the epoch's batches (weights changing during the epoch).</param>
/// <param name="Test">Test loss after the epoch (eval mode, no grad; of the weight average when there is one), or null when not evaluated this epoch.</param>
/// <param name="Seconds">Wall time of the epoch's training steps.</param>
/// <param name="ExamplesPerSecond">Training throughput.</param>
/// <param name="ExamplesSeen">Training examples evaluated since the start of the run, this epoch included.</param>
public sealed record EpochMetrics(int Epoch, LossSummary Train, LossSummary? Test, double Seconds, double ExamplesPerSecond, long ExamplesSeen)
{
    /// <summary>
    /// With <see cref="Config.TrainingConfig.EmaDecay"/> &gt; 0, the test loss of the training weights (<see cref="Test"/> is
    /// the average's), so one run shows what the average gives at every epoch; null otherwise and when not evaluated.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LossSummary? TestTrainingWeights { get; init; }
}

/// <summary>The per-epoch record of a training run.</summary>
/// <param name="Epochs">One entry per finished epoch, in order.</param>
public sealed record TrainingHistory(IReadOnlyList<EpochMetrics> Epochs)
{
    /// <summary>The last epoch's test loss, or null when never evaluated.</summary>
    public LossSummary? FinalTest => Epochs.LastOrDefault(e => e.Test is not null)?.Test;
}
