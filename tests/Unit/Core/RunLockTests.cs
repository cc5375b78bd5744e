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
            var e = Assert.Throws<Vae.Core.Checkpoints.CheckpointException>(() => Trainer.Fit(model, Synthetic.Fast(1, ckpt), new TrainingData(train, null)));
            Assert.Contains($"is being written by process {Environment.ProcessId}", e.Message);
        }
        Trainer.Fit(model, Synthetic.Fast(1, ckpt), new TrainingData(train, null)); // released
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
}
