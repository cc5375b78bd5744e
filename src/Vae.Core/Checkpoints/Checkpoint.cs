using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using Vae.Core.Config;
using Vae.Core.Models;
using Vae.Core.Training;
using static TorchSharp.torch;

namespace Vae.Core.Checkpoints;

/// <summary>The JSON part of a checkpoint (trainer.json).</summary>
/// <param name="Format">Layout version, "vae-checkpoint/1".</param>
/// <param name="Model">The model config the weights belong to.</param>
/// <param name="Training">The training config of the run.</param>
/// <param name="Epoch">Epochs finished.</param>
/// <param name="History">Per-epoch metrics so far.</param>
/// <param name="GeneratorState">Base64 of the training generator's state after the epoch (empty when none).</param>
public sealed record CheckpointState(string Format, ModelConfig Model, TrainingConfig Training, int Epoch,
    IReadOnlyList<EpochMetrics> History, string GeneratorState);

/// <summary>A checkpoint problem (missing, corrupt, or made for another config), as one line.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// Checkpoints as a folder: <c>model.safetensors</c> (weights, PyTorch names such as
/// <c>encoder.convs.0.weight</c>, loadable with <c>safetensors.torch.load_file</c>), <c>optimizer.pt</c>
/// (optimizer state in PyTorch's format) and <c>trainer.json</c> (configs, epoch, history, RNG state).
/// Writes go to <c>DIR.tmp</c>, are flushed to disk, then swapped in by renames (DIR → DIR.old,
/// DIR.tmp → DIR); a crash at any point leaves DIR or DIR.old complete, and loading falls back to DIR.old.
/// </summary>
public static class Checkpoint
{
    /// <summary>The layout version written to trainer.json.</summary>
    public const string FormatVersion = "vae-checkpoint/1";

    const string WeightsFile = "model.safetensors", OptimizerFile = "optimizer.pt", StateFile = "trainer.json";

    /// <summary>Writes a checkpoint atomically.</summary>
    public static void Save(string dir, VariationalAutoencoder model, optim.Optimizer? optimizer, Generator? generator,
        TrainingConfig training, IReadOnlyList<EpochMetrics> history)
    {
        dir = Path.GetFullPath(dir);
        string temp = dir + ".tmp", old = dir + ".old";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        model.save_safetensors(Path.Combine(temp, WeightsFile));
        if (optimizer is TorchSharp.Modules.OptimizerHelper helper) helper.save_py(Path.Combine(temp, OptimizerFile));
        string rng = "";
        if (generator is not null)
            using (var state = generator.get_state()) rng = Convert.ToBase64String(state.data<byte>().ToArray());
        var json = new CheckpointState(FormatVersion, model.Config, training, history.Count, history, rng);
        File.WriteAllText(Path.Combine(temp, StateFile), ConfigJson.Serialize(json));
        foreach (string file in Directory.GetFiles(temp))
            using (var fs = new FileStream(file, FileMode.Open, FileAccess.ReadWrite)) fs.Flush(flushToDisk: true);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(dir)) Directory.Move(dir, old);
        Directory.Move(temp, dir);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }

    /// <summary>Whether a complete checkpoint exists at <paramref name="dir"/> (or its .old fallback).</summary>
    public static bool Exists(string dir) => Resolve(Path.GetFullPath(dir)) is not null;

    /// <summary>Reads trainer.json.</summary>
    /// <exception cref="CheckpointException">Missing or corrupt.</exception>
    public static CheckpointState ReadState(string dir)
    {
        string folder = Resolve(Path.GetFullPath(dir)) ?? throw new CheckpointException($"{dir}: no checkpoint here (expected {WeightsFile} and {StateFile}); train first or check the path");
        try
        {
            var state = ConfigJson.Parse<CheckpointState>(File.ReadAllText(Path.Combine(folder, StateFile)));
            if (state.Format != FormatVersion) throw new CheckpointException($"{dir}: checkpoint format '{state.Format}' is not {FormatVersion}");
            ConfigValidator.Validate(state.Model);
            return state;
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"{dir}: {StateFile} is corrupt ({e.Message}); delete the checkpoint and train again", e);
        }
    }

    /// <summary>Builds the model a checkpoint describes and loads its weights.</summary>
    /// <exception cref="CheckpointException">Missing, corrupt, or made for another model config.</exception>
    public static (VariationalAutoencoder Model, CheckpointState State) LoadModel(string dir, Device device, ModelConfig? expected = null)
    {
        var state = ReadState(dir);
        if (expected is not null && !expected.Equals(state.Model))
            throw new CheckpointException($"{dir}: the checkpoint was made for a different model ({Describe(state.Model)}), not ({Describe(expected)}); use another --out folder or matching options");
        using var generator = new Generator(0);
        var model = new VariationalAutoencoder(state.Model, generator);
        LoadWeights(dir, model);
        model.to(device);
        return (model, state);
    }

    /// <summary>Loads weights, optimizer state and generator state into existing objects (for resuming).</summary>
    public static CheckpointState Restore(string dir, VariationalAutoencoder model, optim.Optimizer? optimizer, Generator? generator)
    {
        var state = ReadState(dir);
        if (!model.Config.Equals(state.Model))
            throw new CheckpointException($"{dir}: the checkpoint was made for a different model ({Describe(state.Model)}), not ({Describe(model.Config)})");
        LoadWeights(dir, model);
        string folder = Resolve(Path.GetFullPath(dir))!;
        if (optimizer is TorchSharp.Modules.OptimizerHelper helper && File.Exists(Path.Combine(folder, OptimizerFile)))
        {
            try { helper.load_py(Path.Combine(folder, OptimizerFile)); }
            catch (Exception e) when (e is not OutOfMemoryException) { throw new CheckpointException($"{dir}: {OptimizerFile} is corrupt ({e.Message})", e); }
        }
        if (generator is not null && state.GeneratorState.Length > 0)
            using (var t = torch.tensor(Convert.FromBase64String(state.GeneratorState))) generator.set_state(t);
        return state;
    }

    static void LoadWeights(string dir, VariationalAutoencoder model)
    {
        string folder = Resolve(Path.GetFullPath(dir))!;
        try
        {
            model.load_safetensors(Path.Combine(folder, WeightsFile), strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointException($"{dir}: {WeightsFile} cannot be loaded ({e.Message.Split('\n')[0]}); the file is corrupt or belongs to another model", e);
        }
    }

    static string? Resolve(string dir)
    {
        foreach (string candidate in new[] { dir, dir + ".old" })
            if (File.Exists(Path.Combine(candidate, WeightsFile)) && File.Exists(Path.Combine(candidate, StateFile))) return candidate;
        return null;
    }

    static string Describe(ModelConfig c) =>
        $"{c.Architecture} {c.Channels}x{c.Height}x{c.Width}, latent {c.LatentDim}, hidden {c.HiddenDim}, channels [{string.Join(", ", c.ConvChannels)}], {c.Likelihood}";
}
