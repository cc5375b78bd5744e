using System.Text.Json;

namespace Vae.Core.Checkpoints;

/// <summary>One file of a checkpoint as the manifest records it.</summary>
internal sealed record ManifestEntry(string Name, long Bytes, string Sha256);

/// <summary>
/// manifest.json: each file of a checkpoint with its size and SHA-256, written last, so a folder whose manifest verifies
/// is complete. A manifest lists only plain names of checkpoint files (<see cref="CheckpointFiles.Listable"/>), each once,
/// and always the weights and trainer.json; anything else is damage, so a manifest can neither reach outside its folder
/// nor ask for more than four bounded files to be hashed.
/// </summary>
internal static class Manifest
{
    /// <summary>Writes the manifest of every file in <paramref name="folder"/> (ordinal order) and flushes it to disk.</summary>
    public static void Write(string folder)
    {
        var entries = Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .Select(name => new ManifestEntry(name!, new FileInfo(Path.Combine(folder, name!)).Length, CheckpointFiles.Sha256(Path.Combine(folder, name!)))).ToList();
        string path = Path.Combine(folder, CheckpointFiles.Manifest);
        File.WriteAllText(path, JsonSerializer.Serialize(entries));
        Durable.FlushFile(path);
    }

    /// <summary>
    /// What is wrong with the checkpoint in <paramref name="folder"/>, or null when it is complete: with a manifest, the
    /// manifest is valid and every file it lists matches; without one (written before manifests existed, or committed
    /// without optimizer state), the weights and trainer.json are readable files.
    /// </summary>
    public static string? Problem(string folder, bool requireManifest = false)
    {
        if (!Present(folder))
        {
            if (requireManifest) return $"{CheckpointFiles.Manifest} is missing";
            foreach (string name in new[] { CheckpointFiles.Weights, CheckpointFiles.State })
                if (CheckpointFiles.Problem(folder, name) is string p) return p;
            return null;
        }
        var (entries, problem) = Read(folder);
        if (problem is not null) return problem;
        foreach (var e in entries!)
        {
            if (CheckpointFiles.Problem(folder, e.Name) is string p) return p;
            string path = Path.Combine(folder, e.Name);
            if (new FileInfo(path).Length != e.Bytes || CheckpointFiles.Sha256(path) != e.Sha256)
                return $"{e.Name} does not match its {CheckpointFiles.Manifest}: another size or SHA-256";
        }
        return null;
    }

    /// <summary>Whether the manifest of <paramref name="folder"/> (when there is one) lists <paramref name="name"/>.</summary>
    public static bool ListsOrAbsent(string folder, string name) => !Present(folder) || (Read(folder).Entries?.Any(e => e.Name == name) ?? false);

    /// <summary>Whether <paramref name="folder"/> has a manifest.json: a file, or a link (a dangling one is damage, not absence).</summary>
    static bool Present(string folder)
    {
        string path = Path.Combine(folder, CheckpointFiles.Manifest);
        return File.Exists(path) || new FileInfo(path).LinkTarget is not null;
    }

    /// <summary>The manifest's entries, checked, or what is wrong with it.</summary>
    static (List<ManifestEntry>? Entries, string? Problem) Read(string folder)
    {
        if (CheckpointFiles.Problem(folder, CheckpointFiles.Manifest) is string p) return (null, p);
        List<ManifestEntry?>? entries;
        try { entries = JsonSerializer.Deserialize<List<ManifestEntry?>>(File.ReadAllText(Path.Combine(folder, CheckpointFiles.Manifest))); }
        catch (JsonException) { return (null, $"{CheckpointFiles.Manifest} is not a valid manifest (a JSON list of names, sizes and SHA-256s)"); }
        if (entries is null || entries.Count == 0) return (null, $"{CheckpointFiles.Manifest} lists no files");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e is null || e.Name is null || e.Sha256 is null)
                return (null, $"{CheckpointFiles.Manifest}'s entry {i + 1} lacks a name or a SHA-256");
            if (!CheckpointFiles.Listable.Contains(e.Name))
                return (null, $"{CheckpointFiles.Manifest} names '{e.Name}', which is not a file a checkpoint holds ({string.Join(", ", CheckpointFiles.Listable.Order(StringComparer.Ordinal))})");
            if (!seen.Add(e.Name)) return (null, $"{CheckpointFiles.Manifest} lists {e.Name} twice");
        }
        foreach (string required in new[] { CheckpointFiles.Weights, CheckpointFiles.State })
            if (!seen.Contains(required)) return (null, $"{CheckpointFiles.Manifest} does not list {required}");
        return (entries.Select(e => e!).ToList(), null);
    }
}
