using Vae.Core.Config;
using Vae.Core.Files;

namespace Vae.Core.Checkpoints;

/// <summary>
/// The files a checkpoint folder can hold, and the most bytes each may have. Every read of a checkpoint file goes through
/// <see cref="ReadText"/>, <see cref="OpenRead"/> or <see cref="Problem"/>: only regular files (after links) within the
/// bound are opened, so a link to a device, a FIFO or a huge file gives one line, not a hang or an allocation.
/// </summary>
internal static class CheckpointFiles
{
    public const string Weights = "model.safetensors", Optimizer = "optimizer.pt", State = "trainer.json", Manifest = "manifest.json";

    /// <summary>The training weights of a run that averages its weights (model.safetensors then holds the average).</summary>
    public const string TrainingWeights = "training.safetensors";

    /// <summary>Every name a manifest may list; anything else is damage.</summary>
    public static readonly IReadOnlySet<string> Listable = new HashSet<string>(StringComparer.Ordinal) { Weights, Optimizer, State, TrainingWeights };

    /// <summary>Most bytes of a safetensors header accepted (ours are a few kB).</summary>
    public const long MaxSafetensorsHeader = 16 << 20;

    /// <summary>Most bytes of the pickle in optimizer.pt (it is about 12 KB for our models).</summary>
    public const long MaxOptimizerPickle = 1 << 20;

    /// <summary>The bound of each file: JSON files a few MB, weights and optimizer state by the parameter budget.</summary>
    public static long MaxBytes(string name) => name switch
    {
        Manifest => 1 << 20,
        State => 8 << 20,
        Weights or TrainingWeights => 4 * ConfigValidator.MaxParameters + 8 + MaxSafetensorsHeader,
        Optimizer => 3 * 4 * ConfigValidator.MaxParameters + MaxOptimizerPickle + (1 << 20),
        _ => 0,
    };

    /// <summary>"optimizer.pt is a FIFO (named pipe), not a regular file", or null when the file may be read.</summary>
    public static string? Problem(string folder, string name) =>
        RegularFile.Problem(Path.Combine(folder, name), MaxBytes(name), "a " + name) is string p ? $"{name} {p}" : null;

    /// <summary>The text of a checkpoint file; a file that may not be read is reported as damage of <paramref name="dir"/>.</summary>
    public static string ReadText(string folder, string name, string dir) =>
        RegularFile.ReadAllText(Path.Combine(folder, name), MaxBytes(name), "a " + name, p => Damaged(dir, $"{name} {p}"));

    /// <summary>Opens a checkpoint file for reading; a file that may not be read is reported as damage of <paramref name="dir"/>.</summary>
    public static FileStream OpenRead(string folder, string name, string dir) =>
        RegularFile.OpenRead(Path.Combine(folder, name), MaxBytes(name), "a " + name, p => Damaged(dir, $"{name} {p}"));

    /// <summary>The one-line error for a damaged checkpoint: what is wrong and the two ways on.</summary>
    public static CheckpointException Damaged(string dir, string problem) =>
        new($"{dir}: the checkpoint is damaged ({problem}) and no intact copy is beside it; restore that file, or start over with `train --restart` or `reproduce --force`, which move the folder aside instead of deleting it");

    /// <summary>SHA-256 of a file, lowercase hex (the file was checked with <see cref="Problem"/> first).</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stream)).ToLowerInvariant();
    }
}
