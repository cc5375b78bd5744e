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

/// <summary>A model rebuilt from a checkpoint, with the state it was saved with.</summary>
/// <param name="Model">The model, its weights loaded, on the requested device; the caller disposes it.</param>
/// <param name="State">The checkpoint's configs, epoch and history.</param>
public sealed record LoadedModel(VariationalAutoencoder Model, CheckpointState State);

/// <summary>A checkpoint that is missing, corrupt, or made for another model (one-line message).</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// Checkpoints as a folder: <c>model.safetensors</c> (weights, PyTorch names such as
/// <c>encoder.convs.0.weight</c>, loadable with <c>safetensors.torch.load_file</c>), <c>optimizer.pt</c>
/// (optimizer state in PyTorch's format), <c>trainer.json</c> (configs, epoch, history, RNG state) and
/// <c>manifest.json</c> (each file's size and SHA-256, written last: a folder whose manifest verifies is complete).
/// A run with <see cref="TrainingConfig.EmaDecay"/> &gt; 0 stores the average of the weights as model.safetensors (what is
/// evaluated) and its training weights as <c>training.safetensors</c> (what a resumed run continues from).
/// A save writes <c>DIR.tmp</c>, flushes its files and the folder to disk, then swaps it in by renames
/// (DIR → DIR.old, DIR.tmp → DIR) and deletes DIR.old. Before writing, a save first repairs what an earlier crash
/// left (a complete DIR.tmp or DIR.old is renamed back to DIR), so the only complete checkpoint is never deleted
/// before its successor is complete and durable, whatever sequence of crashes happens. Loading takes the first
/// complete folder of DIR, DIR.tmp (newer than DIR.old) and DIR.old.
/// </summary>
public static class Checkpoint
{
    /// <summary>The layout version written to trainer.json.</summary>
    public const string FormatVersion = "vae-checkpoint/1";

    const string WeightsFile = "model.safetensors", OptimizerFile = "optimizer.pt", StateFile = "trainer.json", ManifestFile = "manifest.json";

    /// <summary>The training weights of a run that averages its weights (model.safetensors then holds the average).</summary>
    internal const string TrainingWeightsFile = "training.safetensors";

    /// <summary>Writes a checkpoint atomically.</summary>
    public static void Save(string dir, VariationalAutoencoder model, optim.Optimizer? optimizer, Generator? generator,
        TrainingConfig training, IReadOnlyList<EpochMetrics> history) => Save(dir, model, optimizer, generator, training, history, null);

    /// <summary>The steps of a save, in order; a test seam may stop the save after any of them, as a crash would.</summary>
    internal enum SaveStep { Repaired, TempCleared, WeightsWritten, OptimizerWritten, StateWritten, ManifestWritten, CurrentMovedToOld, TempPromoted, OldDeleted }

    /// <summary><see cref="Save(string, VariationalAutoencoder, optim.Optimizer?, Generator?, TrainingConfig, IReadOnlyList{EpochMetrics})"/> with a seam called after each step.</summary>
    internal static void Save(string dir, VariationalAutoencoder model, optim.Optimizer? optimizer, Generator? generator,
        TrainingConfig training, IReadOnlyList<EpochMetrics> history, Action<SaveStep>? afterStep, WeightAverage? average = null)
    {
        dir = Path.GetFullPath(dir);
        string temp = dir + ".tmp", old = dir + ".old";
        Repair(dir);
        afterStep?.Invoke(SaveStep.Repaired);
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true); // incomplete: Repair promoted a complete one
        Directory.CreateDirectory(temp);
        afterStep?.Invoke(SaveStep.TempCleared);
        if (average is null) model.save_safetensors(Path.Combine(temp, WeightsFile));
        else
        {
            model.save_safetensors(Path.Combine(temp, TrainingWeightsFile)); // what training continues from
            average.Swap(model);
            try { model.save_safetensors(Path.Combine(temp, WeightsFile)); } // the average: what is evaluated
            finally { average.Swap(model); }
        }
        afterStep?.Invoke(SaveStep.WeightsWritten);
        if (optimizer is TorchSharp.Modules.OptimizerHelper helper) helper.save_py(Path.Combine(temp, OptimizerFile));
        afterStep?.Invoke(SaveStep.OptimizerWritten);
        string rng = "";
        if (generator is not null)
            using (var state = generator.get_state()) rng = Convert.ToBase64String(state.data<byte>().ToArray());
        var json = new CheckpointState(FormatVersion, model.Config, training, history.Count, history, rng);
        File.WriteAllText(Path.Combine(temp, StateFile), ConfigJson.Serialize(json));
        afterStep?.Invoke(SaveStep.StateWritten);
        var manifest = Directory.GetFiles(temp).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .Select(name => new ManifestEntry(name!, new FileInfo(Path.Combine(temp, name!)).Length, Sha256(Path.Combine(temp, name!)))).ToList();
        foreach (string file in Directory.GetFiles(temp)) Durable.FlushFile(file);
        File.WriteAllText(Path.Combine(temp, ManifestFile), JsonSerializer.Serialize(manifest));
        Durable.FlushFile(Path.Combine(temp, ManifestFile));
        Durable.FlushDirectory(temp);
        afterStep?.Invoke(SaveStep.ManifestWritten);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true); // stale: DIR is complete after Repair, or nothing complete is left
        if (Directory.Exists(dir)) Directory.Move(dir, old);
        Durable.FlushDirectory(Path.GetDirectoryName(dir)!);
        afterStep?.Invoke(SaveStep.CurrentMovedToOld);
        Directory.Move(temp, dir);
        Durable.FlushDirectory(Path.GetDirectoryName(dir)!);
        afterStep?.Invoke(SaveStep.TempPromoted);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        afterStep?.Invoke(SaveStep.OldDeleted);
    }

    /// <summary>
    /// Puts the newest complete checkpoint back at DIR after a crash: when DIR is not complete, a complete DIR.tmp
    /// (newer) or else a complete DIR.old is renamed to DIR. A DIR.old left beside it is stale; the save deletes it.
    /// </summary>
    static void Repair(string dir)
    {
        string temp = dir + ".tmp", old = dir + ".old";
        if (!IsComplete(dir))
        {
            string? source = IsComplete(temp, requireManifest: true) ? temp : IsComplete(old) ? old : null;
            if (source is null) return;
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); // incomplete
            Directory.Move(source, dir);
            Durable.FlushDirectory(Path.GetDirectoryName(dir)!);
        }
    }

    /// <summary>Whether a complete checkpoint exists at <paramref name="dir"/> (or what a crash left beside it).</summary>
    public static bool Exists(string dir) => Resolve(Path.GetFullPath(dir)) is not null;

    /// <summary>One file of a checkpoint as the manifest records it.</summary>
    internal sealed record ManifestEntry(string Name, long Bytes, string Sha256);

    /// <summary>
    /// A folder is complete when its manifest lists files that all exist with the recorded sizes and hashes; a folder
    /// without a manifest (written before manifests existed, or committed without optimizer state) is complete when it
    /// holds the weights and trainer.json, unless <paramref name="requireManifest"/>.
    /// </summary>
    static bool IsComplete(string folder, bool requireManifest = false)
    {
        if (!File.Exists(Path.Combine(folder, WeightsFile)) || !File.Exists(Path.Combine(folder, StateFile))) return false;
        string manifestPath = Path.Combine(folder, ManifestFile);
        if (!File.Exists(manifestPath)) return !requireManifest;
        try
        {
            var entries = JsonSerializer.Deserialize<List<ManifestEntry>>(File.ReadAllText(manifestPath));
            return entries is { Count: > 0 } && entries.All(e =>
                File.Exists(Path.Combine(folder, e.Name)) && new FileInfo(Path.Combine(folder, e.Name)).Length == e.Bytes &&
                Sha256(Path.Combine(folder, e.Name)) == e.Sha256);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return false;
        }
    }

    /// <summary>Why there is no complete checkpoint at <paramref name="dir"/>: nothing there, or a damaged folder (which file).</summary>
    static CheckpointException Missing(string dir)
    {
        string full = Path.GetFullPath(dir), manifestPath = Path.Combine(full, ManifestFile);
        if (File.Exists(manifestPath))
        {
            try
            {
                var bad = JsonSerializer.Deserialize<List<ManifestEntry>>(File.ReadAllText(manifestPath))?.FirstOrDefault(e =>
                    !File.Exists(Path.Combine(full, e.Name)) || new FileInfo(Path.Combine(full, e.Name)).Length != e.Bytes || Sha256(Path.Combine(full, e.Name)) != e.Sha256);
                if (bad is not null)
                    return new CheckpointException($"{dir}: the checkpoint is damaged ({bad.Name} does not match its manifest.json: missing, or another size or SHA-256) and no intact copy is beside it; delete the folder and train again");
            }
            catch (JsonException) { return new CheckpointException($"{dir}: the checkpoint is damaged ({ManifestFile} is not valid JSON); delete the folder and train again"); }
        }
        return new CheckpointException($"{dir}: no checkpoint here (expected {WeightsFile} and {StateFile}); train first or check the path");
    }

    static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stream)).ToLowerInvariant();
    }

    /// <summary>Reads trainer.json.</summary>
    /// <exception cref="CheckpointException">Missing or corrupt.</exception>
    public static CheckpointState ReadState(string dir) => ReadStateIn(Folder(dir), dir);

    /// <summary>The complete folder that loading uses (DIR, or what a crash left beside it); found, and verified, once per load.</summary>
    static string Folder(string dir) => Resolve(Path.GetFullPath(dir)) ?? throw Missing(dir);

    /// <summary>Reads and checks trainer.json in the resolved <paramref name="folder"/>; messages name <paramref name="dir"/>.</summary>
    static CheckpointState ReadStateIn(string folder, string dir)
    {
        try
        {
            var state = ConfigJson.Parse<CheckpointState>(File.ReadAllText(Path.Combine(folder, StateFile)));
            if (state.Format != FormatVersion) throw new CheckpointException($"{dir}: checkpoint format '{state.Format}' is not {FormatVersion}");
            // JSON can leave any field null or give it any value: check every one before it is used.
            if (state.Model is null) throw new ArgumentException("model is missing");
            if (state.Training is null) throw new ArgumentException("training is missing");
            if (state.History is null || state.History.Any(h => h is null || h.Train is null)) throw new ArgumentException("history is missing or has empty entries");
            if (state.Epoch != state.History.Count && state.History.Count > 0) throw new ArgumentException($"epoch is {state.Epoch} but the history has {state.History.Count} entries");
            if (state.GeneratorState is null) throw new ArgumentException("generatorState is missing");
            try { Convert.FromBase64String(state.GeneratorState); } // "" (no generator) is valid base64
            catch (FormatException) { throw new ArgumentException("generatorState is not base64"); }
            ConfigValidator.Validate(state.Model);
            ConfigValidator.Validate(state.Training);
            return state;
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"{dir}: {StateFile} is corrupt ({e.Message}); delete the checkpoint and train again", e);
        }
    }

    /// <summary>Builds the model a checkpoint describes and loads its weights.</summary>
    /// <exception cref="CheckpointException">Missing, corrupt, or made for another model config.</exception>
    public static LoadedModel LoadModel(string dir, Device device, ModelConfig? expected = null)
    {
        string folder = Folder(dir);
        var state = ReadStateIn(folder, dir);
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
    /// moment buffers only, and settings that differ in it are named through <paramref name="notice"/>.
    /// </summary>
    public static CheckpointState Restore(string dir, VariationalAutoencoder model, optim.Optimizer? optimizer, Generator? generator, Action<string>? notice = null) =>
        Restore(dir, model, optimizer, generator, notice, null);

    /// <summary>
    /// <see cref="Restore(string, VariationalAutoencoder, optim.Optimizer?, Generator?, Action{string}?)"/>; for a run that
    /// averages its weights, <paramref name="average"/> receives model.safetensors and the model training.safetensors.
    /// </summary>
    internal static CheckpointState Restore(string dir, VariationalAutoencoder model, optim.Optimizer? optimizer, Generator? generator, Action<string>? notice, WeightAverage? average)
    {
        string folder = Folder(dir);
        var state = ReadStateIn(folder, dir);
        if (!model.Config.Equals(state.Model))
            throw new CheckpointException($"{dir}: the checkpoint was made for a different model ({ConfigJson.Differences(state.Model, model.Config, "in the checkpoint", "asked for")}); resume with the same options or use another folder");
        LoadWeights(folder, dir, model);
        if (average is not null && state.Training.EmaDecay > 0)
        {
            if (!File.Exists(Path.Combine(folder, TrainingWeightsFile)))
                throw new CheckpointException($"{dir}: {TrainingWeightsFile} is missing; a run that averages its weights resumes from its training weights, and this folder holds only the average ({WeightsFile}); train again in another folder");
            average.Swap(model);                                        // the average ← model.safetensors
            LoadWeights(folder, dir, model, TrainingWeightsFile);       // the model ← its training weights
        }
        if (optimizer is TorchSharp.Modules.OptimizerHelper helper && File.Exists(Path.Combine(folder, OptimizerFile)))
        {
            CheckOptimizerArchive(Path.Combine(folder, OptimizerFile), model, dir);
            var protocol = optimizer.ParamGroups.Select(OptimizerSettings.Of).ToList();
            try { helper.load_py(Path.Combine(folder, OptimizerFile)); }
            catch (Exception e) when (e is not OutOfMemoryException) { throw new CheckpointException($"{dir}: {OptimizerFile} is corrupt ({e.Message})", e); }
            CheckMomentShapes(helper, model, dir);
            var groups = optimizer.ParamGroups.ToList();
            for (int i = 0; i < groups.Count && i < protocol.Count; i++)
            {
                string differences = protocol[i].Differences(OptimizerSettings.Of(groups[i]));
                if (differences.Length == 0) continue;
                protocol[i].Apply(groups[i]);
                notice?.Invoke($"{dir}: {OptimizerFile} has other optimizer settings than the training config ({differences}); the config's are used");
            }
        }
        if (generator is not null && state.GeneratorState.Length > 0)
        {
            byte[] saved = Convert.FromBase64String(state.GeneratorState);
            using var current = generator.get_state();
            if (saved.Length != current.NumberOfElements)
                throw new CheckpointException($"{dir}: {StateFile}'s generatorState has {saved.Length} bytes, a generator state has {current.NumberOfElements}; the file is damaged");
            using var t = torch.tensor(saved);
            generator.set_state(t);
        }
        return state;
    }

    /// <summary>Most a pickle of optimizer settings and buffer references needs (it is about 12 KB for our models).</summary>
    const long MaxOptimizerPickle = 1 << 20;

    // optimizer.pt is a torch.save zip: a small pickle and one entry per buffer. Its central directory is checked before the
    // unpickler runs: the pickle may not be large (a crafted string in it cost gigabytes), and the buffers together may not
    // claim more than the model's moments could hold (two per parameter, plus slack), so a small file cannot ask for gigabytes.
    static void CheckOptimizerArchive(string path, VariationalAutoencoder model, string dir)
    {
        long parameterBytes = model.parameters().Sum(p => p.numel() * p.element_size());
        long maxTotal = 3 * parameterBytes + MaxOptimizerPickle;
        try
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(path);
            long total = 0;
            foreach (var entry in zip.Entries)
            {
                if (entry.Name.EndsWith(".pkl", StringComparison.Ordinal) && entry.Length > MaxOptimizerPickle)
                    throw new CheckpointException($"{dir}: {OptimizerFile}'s {entry.FullName} is {entry.Length:N0} bytes, more than the {MaxOptimizerPickle:N0} an optimizer's settings need; the file is damaged");
                total += entry.Length;
            }
            if (total > maxTotal)
                throw new CheckpointException($"{dir}: {OptimizerFile} claims {total:N0} bytes of content, more than the {maxTotal:N0} this model's optimizer state can hold; the file is damaged or belongs to another model");
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException($"{dir}: {OptimizerFile} is not a torch.save archive ({e.Message}); the file is damaged", e);
        }
    }

    // A moment buffer of another shape than its parameter would reach libtorch at the first step and abort the process.
    static void CheckMomentShapes(TorchSharp.Modules.OptimizerHelper optimizer, VariationalAutoencoder model, string dir)
    {
        var parameters = model.parameters().ToList();
        var states = optimizer.state_dict().State;
        for (int i = 0; i < states.Count && i < parameters.Count; i++)
        {
            var buffers = states[i] switch
            {
                TorchSharp.Modules.Adam.State a => new[] { a.exp_avg, a.exp_avg_sq },
                TorchSharp.Modules.Adagrad.State g => new[] { g.sum },
                _ => [],
            };
            foreach (var b in buffers)
                if (b is not null && !b.shape.SequenceEqual(parameters[i].shape))
                    throw new CheckpointException($"{dir}: {OptimizerFile} holds a moment buffer of shape [{string.Join(", ", b.shape)}] for parameter {i} of shape [{string.Join(", ", parameters[i].shape)}]; the file is damaged or belongs to another model");
        }
    }

    static void LoadWeights(string folder, string dir, VariationalAutoencoder model, string file = WeightsFile)
    {
        SafetensorsCheck.Validate(Path.Combine(folder, file), dir, model);
        try
        {
            model.load_safetensors(Path.Combine(folder, file), strict: true);
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

    /// <summary>The first complete folder of DIR, DIR.tmp (only with a verified manifest) and DIR.old, or null.</summary>
    static string? Resolve(string dir) =>
        IsComplete(dir) ? dir : IsComplete(dir + ".tmp", requireManifest: true) ? dir + ".tmp" : IsComplete(dir + ".old") ? dir + ".old" : null;

}

/// <summary>The hyperparameters of one optimizer parameter group that the training config sets.</summary>
internal sealed record OptimizerSettings(double LearningRate, double? Beta1, double? Beta2, double? Eps, double? WeightDecay)
{
    public static OptimizerSettings Of(optim.ILearningRateController group) => group switch
    {
        TorchSharp.Modules.Adam.ParamGroup { Options: var a } => new(group.LearningRate, a.beta1, a.beta2, a.eps, a.weight_decay),
        TorchSharp.Modules.Adagrad.ParamGroup { Options: var g } => new(group.LearningRate, null, null, g.eps, g.weight_decay),
        _ => new(group.LearningRate, null, null, null, null),
    };

    /// <summary>"name: this vs other" for each differing setting, joined by "; "; "" when equal.</summary>
    public string Differences(OptimizerSettings other)
    {
        var d = new List<string>();
        void Check(string name, double? mine, double? theirs)
        {
            if (mine != theirs) d.Add(FormattableString.Invariant($"{name} {theirs} in the file, {mine} in the config"));
        }
        Check("lr", LearningRate, other.LearningRate);
        Check("beta1", Beta1, other.Beta1);
        Check("beta2", Beta2, other.Beta2);
        Check("eps", Eps, other.Eps);
        Check("weight_decay", WeightDecay, other.WeightDecay);
        return string.Join("; ", d);
    }

    /// <summary>Writes these settings into <paramref name="group"/>.</summary>
    public void Apply(optim.ILearningRateController group)
    {
        group.LearningRate = LearningRate;
        switch (group)
        {
            case TorchSharp.Modules.Adam.ParamGroup { Options: var a }: (a.beta1, a.beta2, a.eps, a.weight_decay) = (Beta1, Beta2, Eps, WeightDecay); break;
            case TorchSharp.Modules.Adagrad.ParamGroup { Options: var g }: (g.eps, g.weight_decay) = (Eps, WeightDecay); break;
        }
    }
}
