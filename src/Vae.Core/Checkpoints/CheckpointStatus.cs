namespace Vae.Core.Checkpoints;

/// <summary>The three states of a checkpoint folder; a damaged one is never taken for none.</summary>
public enum CheckpointCondition
{
    /// <summary>Nothing was saved there (no folder, an empty one, or only what a crash left before the first save finished).</summary>
    None,
    /// <summary>A complete checkpoint: at DIR, or in the DIR.tmp or DIR.old a crash left beside it.</summary>
    Complete,
    /// <summary>Files are there, but no complete checkpoint: a file is missing, damaged, unreadable or not a regular file.</summary>
    Damaged,
}

/// <summary>
/// What a checkpoint folder holds, found once and asked by every command before it reads or writes there: nothing, a
/// complete checkpoint (and where it lies), or a damaged one (and what is wrong). Loading takes the first complete folder
/// of DIR, DIR.tmp (only with a verified manifest, being newer) and DIR.old.
/// </summary>
/// <param name="Dir">The checkpoint folder asked about, as given.</param>
/// <param name="Condition">None, complete or damaged.</param>
/// <param name="Folder">Complete: the folder that holds it (DIR, DIR.tmp or DIR.old); otherwise null.</param>
/// <param name="Problem">Damaged: what is wrong, naming the file (e.g. "optimizer.pt does not match its manifest.json: another size or SHA-256"); otherwise null.</param>
public sealed record CheckpointStatus(string Dir, CheckpointCondition Condition, string? Folder, string? Problem)
{
    /// <summary>Examines <paramref name="dir"/> and what a crash may have left beside it (hashing each listed file once).</summary>
    public static CheckpointStatus Of(string dir)
    {
        string full = Path.GetFullPath(dir), temp = full + ".tmp", old = full + ".old";
        if (Complete(full)) return new(dir, CheckpointCondition.Complete, full, null);
        if (Complete(temp, requireManifest: true)) return new(dir, CheckpointCondition.Complete, temp, null);
        if (Complete(old)) return new(dir, CheckpointCondition.Complete, old, null);
        if (File.Exists(full)) return new(dir, CheckpointCondition.Damaged, null, $"{Path.GetFileName(full)} is a file, not a checkpoint folder");
        if (HoldsFiles(full)) return new(dir, CheckpointCondition.Damaged, null, Manifest.Problem(full));
        // A save moves DIR to DIR.old only after DIR.tmp is complete, so an incomplete DIR.old without DIR is damage too.
        if (HoldsFiles(old)) return new(dir, CheckpointCondition.Damaged, null, $"in {Path.GetFileName(old)}: {Manifest.Problem(old)}");
        return new(dir, CheckpointCondition.None, null, null);
    }

    /// <summary>The checkpoint is complete.</summary>
    public bool IsComplete => Condition == CheckpointCondition.Complete;

    /// <summary>The error for a folder that is not complete: "no checkpoint here", or what is damaged and the two ways on.</summary>
    public CheckpointException Error() => Condition switch
    {
        CheckpointCondition.Damaged => CheckpointFiles.Damaged(Dir, Problem!),
        CheckpointCondition.None => new CheckpointException($"{Dir}: no checkpoint here (expected {CheckpointFiles.Weights} and {CheckpointFiles.State}); train first or check the path"),
        _ => throw new InvalidOperationException("a complete checkpoint has no error"),
    };

    /// <summary>The folder holding the complete checkpoint; throws <see cref="Error"/> otherwise.</summary>
    internal string CompleteFolder() => Folder ?? throw Error();

    static bool Complete(string folder, bool requireManifest = false) =>
        Directory.Exists(folder) && HoldsFiles(folder) && Manifest.Problem(folder, requireManifest) is null;

    static bool HoldsFiles(string folder)
    {
        try { return Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any(); }
        catch (IOException) { return true; }                   // a folder that cannot be listed is not nothing
        catch (UnauthorizedAccessException) { return true; }
    }
}
