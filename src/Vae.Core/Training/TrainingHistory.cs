using System.Text.Json.Serialization;

namespace Vae.Core.Training;

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

/// <summary>Progress of a running epoch, reported after every step.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Epochs in the run.</param>
/// <param name="Step">Steps done in this epoch.</param>
/// <param name="Steps">Steps per epoch.</param>
/// <param name="MeanLoss">Mean per-example negative ELBO so far in this epoch.</param>
/// <param name="ExamplesPerSecond">Throughput so far in this epoch.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Step, int Steps, double MeanLoss, double ExamplesPerSecond);

/// <summary>Thrown when the loss becomes NaN or infinite; the last checkpoint (previous epoch) is kept.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for the step that diverged, in a run that saves a checkpoint after every epoch.</summary>
    public TrainingDivergedException(int epoch, int step, double loss) : this(epoch, step, loss, savesCheckpoints: true) { }

    /// <summary>Creates the exception for the step that diverged; the message says which checkpoint, if any, is left.</summary>
    public TrainingDivergedException(int epoch, int step, double loss, bool savesCheckpoints)
        : base($"training diverged: loss is {loss} at epoch {epoch}, step {step}; " + (!savesCheckpoints
            ? "this run saves no checkpoint"
            : epoch > 1 ? $"the last good checkpoint (epoch {epoch - 1}) is kept" : "no epoch had finished, so there is no checkpoint") + "; try a lower learning rate")
    {
        Epoch = epoch;
        Step = step;
    }

    /// <summary>The 1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>The 1-based step within the epoch.</summary>
    public int Step { get; }
}
