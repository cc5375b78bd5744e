namespace Vae.Core.Config;

/// <summary>
/// Where and how a run is carried out, apart from what the experiment is (<see cref="TrainingConfig"/>, the protocol): the
/// device, the checkpoint folder and how often the test set is scored. A placement is never saved with a checkpoint and
/// never compared on resume: the same protocol placed elsewhere is the same experiment.
/// Defaults: train where the data is, no checkpoint, score the test set after every epoch.
/// </summary>
public sealed record Placement
{
    /// <summary>"auto" (train where the data is; CUDA when the CLI resolves it), "cpu" or "cuda": the data must be there.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Folder for the checkpoint written after every epoch; null writes none.</summary>
    public string? CheckpointDir { get; init; }

    /// <summary>Score the test set every this many epochs (the last epoch is always scored).</summary>
    public int EvalEvery { get; init; } = 1;
}
