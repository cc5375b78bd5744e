namespace Vae.Core.Training;

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
