using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Models;
using Vae.Core.Metrics;
using static TorchSharp.torch;

namespace Vae.Core.Checkpoints;

/// <summary>
/// Checkpoints as a folder: <c>model.safetensors</c> (weights, PyTorch names such as <c>encoder.convs.0.weight</c>, loadable
/// with <c>safetensors.torch.load_file</c>), <c>optimizer.pt</c> (optimizer state in PyTorch's format), <c>trainer.json</c>
/// (configs, epoch, history, RNG state) and <c>manifest.json</c> (each file's size and SHA-256, written last: a folder whose
/// manifest verifies is complete). A run with <see cref="TrainingConfig.EmaDecay"/> &gt; 0 stores the average of the weights
/// as model.safetensors (what is evaluated) and its training weights as <c>training.safetensors</c> (what a resumed run
/// continues from). Saves are crash-safe (see <see cref="SaveProtocol"/>); a folder is in one of three states
/// (<see cref="CheckpointStatus"/>), and a damaged one is refused by every operation, never overwritten or deleted.
/// </summary>
public static class Checkpoint
{
    /// <summary>The layout version written to trainer.json.</summary>
    public const string FormatVersion = "vae-checkpoint/1";

    /// <summary>Writes a checkpoint atomically.</summary>
    /// <exception cref="CheckpointException">A damaged checkpoint is at <paramref name="dir"/>; it is left as it is.</exception>
    public static void Save(string dir, VariationalAutoencoder model, optim.Optimizer? optimizer, Generator? generator,
        TrainingConfig training, IReadOnlyList<EpochMetrics> history) => SaveProtocol.Save(dir, model, optimizer, generator, training, history, null, null);

    /// <summary>Whether a complete checkpoint exists at <paramref name="dir"/> (or what a crash left beside it); see <see cref="CheckpointStatus.Of"/> to tell none from damaged.</summary>
    public static bool Exists(string dir) => CheckpointStatus.Of(dir).IsComplete;

    /// <summary>
    /// Moves the checkpoint at <paramref name="dir"/> (complete or damaged, with any DIR.tmp and DIR.old) aside to
    /// <c>DIR.aside-yyyyMMdd-HHmmss</c>, so a run can start over without deleting anything. Returns the new place, or null
    /// when there was nothing to move.
    /// </summary>
    public static string? MoveAside(string dir) => SaveProtocol.MoveAside(dir);

    /// <summary>Reads trainer.json.</summary>
    /// <exception cref="CheckpointException">Missing, damaged or corrupt.</exception>
    public static CheckpointState ReadState(string dir) => TrainerStateFile.Read(CheckpointStatus.Of(dir).CompleteFolder(), dir);

    /// <summary>Builds the model a checkpoint describes and loads its weights.</summary>
    /// <exception cref="CheckpointException">Missing, damaged, corrupt, or made for another model config.</exception>
    public static LoadedModel LoadModel(string dir, Device device, ModelConfig? expected = null)
    {
        string folder = CheckpointStatus.Of(dir).CompleteFolder();
        var state = TrainerStateFile.Read(folder, dir);
        if (expected is not null && !expected.Equals(state.Model))
            throw new CheckpointException($"{dir}: the checkpoint was made for a different model ({ConfigJson.Differences(state.Model, expected, "in the checkpoint", "asked for")}); use another --out folder or matching options");
        using var generator = new Generator(0);
        var model = new VariationalAutoencoder(state.Model, generator);
        LoadWeights(folder, dir, model);
        model.to(device);
        return new LoadedModel(model, state);
    }

    /// <summary>
    /// Loads weights, optimizer state and generator state into existing objects (for resuming). The optimizer's settings
    /// (step size, betas, eps, weight decay) stay those it was created with, the protocol's: optimizer.pt contributes its
    /// moment buffers only, and settings that differ in it are named through <paramref name="notice"/>. A checkpoint
    /// without optimizer.pt is refused when an optimizer is given (see <see cref="Training.TrainingOptions.FreshOptimizer"/>).
    /// </summary>
    public static CheckpointState Restore(string dir, VariationalAutoencoder model, optim.Optimizer? optimizer, Generator? generator, Action<string>? notice = null) =>
        Restore(CheckpointStatus.Of(dir), model, optimizer, generator, notice, null, freshOptimizer: false);

    /// <summary>
    /// The refusals of a resume, decided from trainer.json and the manifest alone (no weights are read), so a command can
    /// give them before it loads any data: another model, no finished epoch, another protocol or more epochs than asked
    /// for (with <paramref name="training"/>), an averaging run without its training weights
    /// (<paramref name="averaging"/>: the run averages its weights, which <paramref name="training"/>'s protocol check ties
    /// to the checkpoint's), and no optimizer.pt when <paramref name="restoresOptimizer"/> unless
    /// <paramref name="freshOptimizer"/>. Returns the checkpoint's state.
    /// </summary>
    /// <exception cref="CheckpointException">The checkpoint cannot be resumed so; the message says why and what to do.</exception>
    public static CheckpointState CheckResume(CheckpointStatus status, ModelConfig model, TrainingConfig? training, bool averaging,
        bool restoresOptimizer, bool freshOptimizer)
    {
        string dir = status.Dir, folder = status.CompleteFolder();
        var state = TrainerStateFile.Read(folder, dir);
        if (!model.Equals(state.Model))
            throw new CheckpointException($"{dir}: the checkpoint was made for a different model ({ConfigJson.Differences(state.Model, model, "in the checkpoint", "asked for")}); resume with the same options or use another folder");
        if (state.Epoch < 1)
            throw new CheckpointException($"{dir}: {CheckpointFiles.State} records no finished epoch, so there is nothing to resume (training saves after each epoch; this folder was written by something else); train in another folder");
        if (training is not null)
        {
            var saved = state.Training with { Epochs = training.Epochs }; // a resume may ask for more epochs; nothing else may differ
            if (saved != training)
                throw new CheckpointException($"{dir}: the checkpoint was trained with another protocol ({ConfigJson.Differences(saved, training, "in the checkpoint", "asked for")}); resume with the same settings or use another folder");
            if (state.Epoch > training.Epochs)
                throw new CheckpointException($"{dir}: the checkpoint has {state.Epoch} epochs, more than the {training.Epochs} asked for; ask for at least {state.Epoch} or use another folder");
        }
        if (averaging && !Present(folder, CheckpointFiles.TrainingWeights))
            throw new CheckpointException($"{dir}: {CheckpointFiles.TrainingWeights} is missing; a run that averages its weights resumes from its training weights, and this folder holds only the average ({CheckpointFiles.Weights}); train again in another folder");
        if (restoresOptimizer && !Present(folder, CheckpointFiles.Optimizer) && !freshOptimizer)
            throw new CheckpointException($"{dir}: {CheckpointFiles.Optimizer} is missing (or not in {CheckpointFiles.Manifest}), so the optimizer's state cannot be restored; resume with --fresh-optimizer to continue with a fresh optimizer, or train again in another folder");
        return state;
    }

    /// <summary>
    /// <see cref="Restore(string, VariationalAutoencoder, optim.Optimizer?, Generator?, Action{string}?)"/> on an examined
    /// folder, after the refusals of <see cref="CheckResume"/> (the protocol's with <paramref name="training"/>); for a run
    /// that averages its weights, <paramref name="average"/> receives model.safetensors and the model training.safetensors.
    /// With <paramref name="freshOptimizer"/>, a missing optimizer.pt leaves the optimizer fresh and says so through
    /// <paramref name="notice"/>.
    /// </summary>
    internal static CheckpointState Restore(CheckpointStatus status, VariationalAutoencoder model, optim.Optimizer? optimizer, Generator? generator,
        Action<string>? notice, WeightAverage? average, bool freshOptimizer, TrainingConfig? training = null)
    {
        string dir = status.Dir, folder = status.CompleteFolder();
        var helper = optimizer as TorchSharp.Modules.OptimizerHelper;
        var state = CheckResume(status, model.Config, training, average is not null, helper is not null, freshOptimizer);
        bool averaging = average is not null;
        bool hasOptimizer = Present(folder, CheckpointFiles.Optimizer);
        LoadWeights(folder, dir, model);
        if (averaging)
        {
            average!.Swap(model);                                                 // the average ← model.safetensors
            LoadWeights(folder, dir, model, CheckpointFiles.TrainingWeights);    // the model ← its training weights
        }
        if (helper is not null && hasOptimizer)
        {
            var protocol = optimizer!.ParamGroups.Select(OptimizerSettings.Of).ToList();
            OptimizerArchive.Load(folder, dir, helper, model);
            var groups = optimizer.ParamGroups.ToList();
            for (int i = 0; i < groups.Count && i < protocol.Count; i++)
            {
                string differences = protocol[i].Differences(OptimizerSettings.Of(groups[i]));
                if (differences.Length == 0) continue;
                protocol[i].Apply(groups[i]);
                notice?.Invoke($"{dir}: {CheckpointFiles.Optimizer} has other optimizer settings than the training config ({differences}); the config's are used");
            }
        }
        else if (helper is not null)
            notice?.Invoke($"{dir}: {CheckpointFiles.Optimizer} is missing; the optimizer starts fresh (--fresh-optimizer): its moment estimates start from zero, so the first steps differ from an uninterrupted run");
        if (generator is not null && state.GeneratorState.Length > 0)
        {
            byte[] saved = Convert.FromBase64String(state.GeneratorState);
            using var current = generator.get_state();
            if (saved.Length != current.NumberOfElements)
                throw new CheckpointException($"{dir}: {CheckpointFiles.State}'s generatorState has {saved.Length} bytes, a generator state has {current.NumberOfElements}; the file is damaged");
            using var t = torch.tensor(saved);
            generator.set_state(t);
        }
        return state;
    }

    /// <summary>The file is in the folder, and in its manifest when there is one (an unlisted file is unverified).</summary>
    static bool Present(string folder, string name) => File.Exists(Path.Combine(folder, name)) && Manifest.ListsOrAbsent(folder, name);

    static void LoadWeights(string folder, string dir, VariationalAutoencoder model, string file = CheckpointFiles.Weights)
    {
        SafetensorsCheck.Validate(Path.Combine(folder, file), dir, model);
        try
        {
            SafetensorsFile.Read(Path.Combine(folder, file), model);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointException($"{dir}: {file} cannot be loaded ({e.Message.Split('\n')[0]}); the file is corrupt or belongs to another model", e);
        }
        using (torch.no_grad())
            foreach (var (name, parameter) in model.named_parameters())
                if (!parameter.isfinite().all().item<bool>())
                    throw new CheckpointException($"{dir}: {file} holds non-finite values (NaN or infinity) in '{name}'; the run diverged or the file is damaged");
    }
}
