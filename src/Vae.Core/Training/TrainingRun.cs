using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Core.Files;
using Vae.Core.Metrics;
using Vae.Core.Models;

namespace Vae.Core.Training;

/// <summary>What a run does with a checkpoint already in its folder.</summary>
public enum ExistingCheckpoint
{
    /// <summary>Refuse a complete checkpoint (a run never trains over another); none there: start at epoch 1.</summary>
    Refuse,
    /// <summary>Continue a complete checkpoint, after the resume checks; none there: start at epoch 1 (and say so).</summary>
    Resume,
    /// <summary>Move whatever is there aside (never deleted), complete or damaged, and start at epoch 1.</summary>
    Restart,
}

/// <summary>Where a run keeps its files.</summary>
/// <param name="CheckpointDir">The checkpoint folder (written after every epoch).</param>
/// <param name="RecordsDir">The folder for config.json and history.json, which holds the checkpoint folder (vae train's
/// --out), or null when the caller keeps its own records (reproduce's seeds).</param>
public sealed record RunFolders(string CheckpointDir, string? RecordsDir = null)
{
    /// <summary>The layout of vae train: <c>folder/config.json</c>, <c>folder/history.json</c>, <c>folder/checkpoint/</c>.</summary>
    public static RunFolders In(string folder) => new(Path.Combine(folder, "checkpoint"), folder);
}

/// <summary>
/// One training run in a folder (pythae's <c>TrainingPipeline</c> is the model): it holds the folder's lock for its
/// lifetime, decides once what to do with a checkpoint already there (<see cref="ExistingCheckpoint"/>; a damaged one is
/// refused unless restarting), gives the resume refusals before any data is loaded, writes config.json and history.json,
/// and trains through <see cref="Trainer.Fit"/>. <c>vae train</c> and <c>vae reproduce</c> both run through it.
/// </summary>
public sealed class TrainingRun : IDisposable
{
    readonly RunLock claim;

    TrainingRun(RunLock claim, RunFolders folders, ModelConfig model, TrainingConfig protocol, bool resumes, bool freshOptimizer) =>
        (this.claim, Folders, Model, Protocol, Resumes, FreshOptimizer) = (claim, folders, model, protocol, resumes, freshOptimizer);

    /// <summary>The run's folders.</summary>
    public RunFolders Folders { get; }

    /// <summary>The model config the run trains.</summary>
    public ModelConfig Model { get; }

    /// <summary>The protocol the run trains with.</summary>
    public TrainingConfig Protocol { get; }

    /// <summary>Whether <see cref="Train"/> continues the checkpoint in the folder.</summary>
    public bool Resumes { get; }

    /// <summary>Whether a resume without optimizer.pt continues with a fresh optimizer.</summary>
    public bool FreshOptimizer { get; }

    /// <summary>
    /// Claims the run's folder and decides about the checkpoint in it, before any data is loaded. Reports through
    /// <paramref name="notice"/> a checkpoint moved aside, a resume with nothing to resume and a run continued.
    /// </summary>
    /// <exception cref="CheckpointException">Another process holds the folder; the checkpoint is damaged (unless
    /// restarting); a complete one is there and <paramref name="existing"/> is <see cref="ExistingCheckpoint.Refuse"/>; or
    /// it cannot be resumed with this model and protocol (<see cref="Checkpoint.CheckResume"/>).</exception>
    /// <exception cref="ArgumentException">The model config or protocol is invalid.</exception>
    public static TrainingRun Open(RunFolders folders, ModelConfig model, TrainingConfig protocol, ExistingCheckpoint existing,
        bool freshOptimizer = false, Action<string>? notice = null)
    {
        ConfigValidator.Validate(model);
        ConfigValidator.Validate(protocol);
        var claim = RunLock.Acquire(folders.RecordsDir ?? folders.CheckpointDir); // before anything is read or written
        try
        {
            string dir = folders.CheckpointDir;
            var status = CheckpointStatus.Of(dir);
            if (existing == ExistingCheckpoint.Restart && status.Condition != CheckpointCondition.None)
                notice?.Invoke($"moved the {(status.IsComplete ? "" : "damaged ")}checkpoint aside to {Checkpoint.MoveAside(dir)}; starting at epoch 1");
            else if (status.Condition == CheckpointCondition.Damaged) throw status.Error();
            else if (existing == ExistingCheckpoint.Refuse && status.IsComplete)
                throw new CheckpointException($"{folders.RecordsDir ?? dir} already holds a checkpoint; resume it (train --resume), start over with it moved aside (--restart), or use another folder");
            else if (existing == ExistingCheckpoint.Resume && !status.IsComplete)
                notice?.Invoke($"no checkpoint in {dir} to resume; starting at epoch 1");
            bool resumes = existing == ExistingCheckpoint.Resume && status.IsComplete;
            if (resumes)
            {
                Checkpoint.CheckResume(status, model, protocol, averaging: protocol.EmaDecay > 0, restoresOptimizer: true, freshOptimizer);
                notice?.Invoke($"continuing the run in {dir}");
            }
            return new TrainingRun(claim, folders, model, protocol, resumes, freshOptimizer);
        }
        catch
        {
            claim.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trains <paramref name="model"/> (made from <see cref="Model"/>) on <paramref name="data"/>: from the checkpoint when
    /// <see cref="Resumes"/>, saving it after every epoch. config.json is written first, or, when resuming, after the first
    /// epoch (once the checkpoint has accepted the settings); history.json at the end. The checkpoint folder, resume and
    /// fresh-optimizer settings of <paramref name="options"/> are the run's; its device, cadence and callbacks are used.
    /// </summary>
    public TrainingHistory Train(VariationalAutoencoder model, TrainingData data, TrainingOptions? options = null)
    {
        options ??= new TrainingOptions();
        string? records = Folders.RecordsDir;
        string? configFile = records is null ? null : Path.Combine(records, "config.json");
        string configJson = ConfigJson.Serialize(new { model = Model, training = Protocol });
        if (configFile is not null && !Resumes) AtomicFile.WriteText(configFile, configJson);
        var history = Trainer.Fit(model, Protocol, data, options with
        {
            Resume = Resumes,
            FreshOptimizer = FreshOptimizer,
            Placement = options.Placement with { CheckpointDir = Folders.CheckpointDir },
            CheckpointLocked = records is null, // the run's own lock is on the checkpoint folder itself
            OnEpoch = epoch =>
            {
                if (configFile is not null) AtomicFile.WriteText(configFile, configJson);
                options.OnEpoch?.Invoke(epoch);
            },
        });
        if (records is not null) AtomicFile.WriteText(Path.Combine(records, "history.json"), ConfigJson.Serialize(history));
        return history;
    }

    /// <summary>Releases the folder's lock.</summary>
    public void Dispose() => claim.Dispose();
}
