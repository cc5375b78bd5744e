using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Models;
using Vae.Core.Metrics;
using static TorchSharp.torch;

namespace Vae.Core.Checkpoints;

/// <summary>
/// The crash-safe save. A save writes <c>DIR.tmp</c>, flushes its files and the folder to disk, then swaps it in by renames
/// (DIR → DIR.old, DIR.tmp → DIR) and deletes DIR.old. Before writing, a save first repairs what an earlier crash left (a
/// complete DIR.tmp or DIR.old is renamed back to DIR), so the only complete checkpoint is never deleted before its
/// successor is complete and durable, whatever sequence of crashes happens. A damaged checkpoint stops the save: it is
/// never overwritten or deleted (<see cref="MoveAside"/> is the explicit way to start over).
/// </summary>
internal static class SaveProtocol
{
    /// <summary>The steps of a save, in order; a test seam may stop the save after any of them, as a crash would.</summary>
    internal enum SaveStep { Repaired, TempCleared, WeightsWritten, OptimizerWritten, StateWritten, ManifestWritten, CurrentMovedToOld, TempPromoted, OldDeleted }

    /// <summary>Writes a checkpoint atomically; <paramref name="afterStep"/> is called after each step.</summary>
    /// <exception cref="CheckpointException">A damaged checkpoint is at <paramref name="dir"/>.</exception>
    public static void Save(string dir, VariationalAutoencoder model, optim.Optimizer? optimizer, Generator? generator,
        TrainingConfig training, IReadOnlyList<EpochMetrics> history, Action<SaveStep>? afterStep, WeightAverage? average)
    {
        var status = CheckpointStatus.Of(dir);
        if (status.Condition == CheckpointCondition.Damaged) throw status.Error();
        dir = Path.GetFullPath(dir);
        string temp = dir + ".tmp", old = dir + ".old";
        Repair(dir, status);
        afterStep?.Invoke(SaveStep.Repaired);
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true); // incomplete: Repair promoted a complete one
        Directory.CreateDirectory(temp);
        afterStep?.Invoke(SaveStep.TempCleared);
        if (average is null) SafetensorsFile.Write(Path.Combine(temp, CheckpointFiles.Weights), model);
        else
        {
            SafetensorsFile.Write(Path.Combine(temp, CheckpointFiles.TrainingWeights), model); // what training continues from
            average.Applied(model, () => SafetensorsFile.Write(Path.Combine(temp, CheckpointFiles.Weights), model)); // the average: what is evaluated
        }
        afterStep?.Invoke(SaveStep.WeightsWritten);
        if (optimizer is TorchSharp.Modules.OptimizerHelper helper) OptimizerArchive.Save(Path.Combine(temp, CheckpointFiles.Optimizer), helper, model);
        afterStep?.Invoke(SaveStep.OptimizerWritten);
        string rng = "";
        if (generator is not null)
            using (var state = generator.get_state()) rng = Convert.ToBase64String(state.data<byte>().ToArray());
        var json = new CheckpointState(Checkpoint.FormatVersion, model.Config, training, history.Count, history, rng);
        File.WriteAllText(Path.Combine(temp, CheckpointFiles.State), ConfigJson.Serialize(json));
        afterStep?.Invoke(SaveStep.StateWritten);
        foreach (string file in Directory.GetFiles(temp)) Durable.FlushFile(file);
        Manifest.Write(temp);
        Durable.FlushDirectory(temp);
        afterStep?.Invoke(SaveStep.ManifestWritten);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true); // stale: DIR is complete after Repair, or nothing was saved
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
    /// Puts the newest complete checkpoint back at DIR after a crash: when it lies in DIR.tmp or DIR.old, that folder is
    /// renamed to DIR. What stands at DIR then (only damage can leave something there) is moved aside, not deleted.
    /// </summary>
    static void Repair(string dir, CheckpointStatus status)
    {
        if (status.Folder is not string source || source == dir) return;
        if (Directory.Exists(dir))
        {
            if (Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Move(dir, AsideName(dir, DateTime.Now)); // keep the damaged folder
            else Directory.Delete(dir);
        }
        Directory.Move(source, dir);
        Durable.FlushDirectory(Path.GetDirectoryName(dir)!);
    }

    /// <summary>
    /// Moves DIR, DIR.tmp and DIR.old (those that exist) aside to <c>DIR.aside-yyyyMMdd-HHmmss</c> (a fresh name), so a
    /// run can start over without deleting anything; returns the new place of DIR, or null when there was nothing to move.
    /// </summary>
    public static string? MoveAside(string dir)
    {
        string full = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        string aside = AsideName(full, DateTime.Now);
        string? moved = null;
        foreach (string suffix in new[] { "", ".tmp", ".old" })
        {
            string source = full + suffix;
            if (Directory.Exists(source)) Directory.Move(source, aside + suffix);
            else if (File.Exists(source)) File.Move(source, aside + suffix);
            else continue;
            moved ??= aside + suffix;
        }
        if (moved is not null) Durable.FlushDirectory(Path.GetDirectoryName(full)!);
        return moved;
    }

    /// <summary>A fresh <c>DIR.aside-yyyyMMdd-HHmmss[-N]</c> for the time <paramref name="now"/> beside <paramref name="full"/> (with its .tmp and .old names free too).</summary>
    internal static string AsideName(string full, DateTime now)
    {
        string stamp = now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        string aside = $"{full}.aside-{stamp}";
        for (int i = 2; new[] { "", ".tmp", ".old" }.Any(x => Directory.Exists(aside + x) || File.Exists(aside + x)); i++)
            aside = $"{full}.aside-{stamp}-{i}";
        return aside;
    }
}
