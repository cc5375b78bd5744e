using TorchSharp;
using Vae.Core.Training;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>One writer per checkpoint folder.</summary>
public sealed class RunLockTests
{
    [Fact]
    public void Training_into_a_checkpoint_folder_that_another_writer_holds_is_refused_naming_it()
    {
        using var dir = new TempDir();
        using var train = Synthetic.Images(64, 1);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        string ckpt = dir.File("ckpt");
        using (Vae.Core.Checkpoints.RunLock.Acquire(ckpt))
        {
            var e = Assert.Throws<Vae.Core.Checkpoints.CheckpointException>(() => Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(train, null), Synthetic.At(ckpt)));
            Assert.Contains($"is being written by process {Environment.ProcessId}", e.Message);
        }
        Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(train, null), Synthetic.At(ckpt)); // released
        Assert.True(Vae.Core.Checkpoints.Checkpoint.Exists(ckpt));
    }

    [Fact]
    public void A_claim_creates_the_parent_folder_names_its_owner_and_removes_the_owner_note_when_released()
    {
        using var dir = new TempDir();
        string run = dir.File("not/yet/there/run");
        using (Vae.Core.Checkpoints.RunLock.Acquire(run))
        {
            Assert.True(Directory.Exists(dir.File("not/yet/there")));
            Assert.StartsWith($"process {Environment.ProcessId} (since ", File.ReadAllText(run + ".owner"));
        }
        Assert.False(File.Exists(run + ".owner"));
        using (Vae.Core.Checkpoints.RunLock.Acquire(run)) { } // free again
    }

    [Fact]
    public void A_held_claim_without_an_owner_note_is_said_to_be_held_by_another_process()
    {
        using var dir = new TempDir();
        string run = dir.File("run");
        using var held = Vae.Core.Checkpoints.RunLock.Acquire(run);
        File.Delete(run + ".owner");
        var e = Assert.Throws<Vae.Core.Checkpoints.CheckpointException>(() => Vae.Core.Checkpoints.RunLock.Acquire(run));
        Assert.Equal($"{run} is being written by another process; wait for it to finish, stop it, or use another folder", e.Message);
    }

    [Fact]
    public void A_folder_reached_through_a_symbolic_link_shares_the_lock_of_its_real_path()
    {
        using var dir = new TempDir();
        string real = dir.File("runs/real");
        Directory.CreateDirectory(real);
        string alias = dir.File("alias");
        Directory.CreateSymbolicLink(alias, dir.File("runs"));
        using var held = Vae.Core.Checkpoints.RunLock.Acquire(real);
        var e = Assert.Throws<Vae.Core.Checkpoints.CheckpointException>(() => Vae.Core.Checkpoints.RunLock.Acquire(Path.Combine(alias, "real")));
        Assert.Equal($"{Path.Combine(alias, "real")} is being written by process {Environment.ProcessId}", e.Message[..e.Message.IndexOf(" (since", StringComparison.Ordinal)]);
        Assert.Equal(dir.File("runs/real"), Vae.Core.Checkpoints.RunLock.Canonical(Path.Combine(alias, "real", "..", "real")));
        Assert.Equal(Path.Combine(dir.File("runs"), "new/deeper"), Vae.Core.Checkpoints.RunLock.Canonical(Path.Combine(alias, "new/deeper")));
    }

    [Fact]
    public void A_released_claim_removes_its_lock_file_and_closes_its_handle()
    {
        using var dir = new TempDir();
        string run = dir.File("run");
        using (Vae.Core.Checkpoints.RunLock.Acquire(run))
        {
            Assert.True(File.Exists(run + ".lock"));
            Assert.Contains(OpenFiles(), f => f.StartsWith(run + ".lock", StringComparison.Ordinal));
        }
        Assert.False(File.Exists(run + ".lock"));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
        // A removed file held open shows in /proc/self/fd as "PATH (deleted)": the handle must be gone too.
        Assert.DoesNotContain(OpenFiles(), f => f.StartsWith(run + ".lock", StringComparison.Ordinal));
    }

    /// <summary>What this process's file descriptors point at (Linux: the targets of /proc/self/fd).</summary>
    static List<string> OpenFiles() =>
        [.. new DirectoryInfo("/proc/self/fd").GetFileSystemInfos().Select(fd => { try { return fd.LinkTarget ?? ""; } catch (IOException) { return ""; } })];

    [Fact]
    public void A_place_where_no_lock_file_can_be_made_is_not_said_to_be_busy()
    {
        var e = Assert.Throws<Vae.Core.Checkpoints.CheckpointException>(() => Vae.Core.Checkpoints.RunLock.Acquire("/proc/x"));
        Assert.StartsWith("/proc/x: cannot create its lock file /proc/x.lock (", e.Message);
        Assert.EndsWith("); choose a writable place", e.Message);
    }

    [Fact]
    public void A_file_where_the_run_folder_should_be_is_refused_by_name()
    {
        using var dir = new TempDir();
        string file = dir.File("run");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<Vae.Core.Checkpoints.CheckpointException>(() => Vae.Core.Checkpoints.RunLock.Acquire(file));
        Assert.Equal($"{file} is a file; a run writes a folder there: choose another path", e.Message);
    }
}
