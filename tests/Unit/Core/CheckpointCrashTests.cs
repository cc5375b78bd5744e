using TorchSharp;
using Vae.Core.Checkpoints;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>The checkpoint protocol under crashes: two saves in a row, each stopped after any of its steps.</summary>
public sealed class CheckpointCrashTests
{
    static readonly SaveProtocol.SaveStep[] Steps = Enum.GetValues<SaveProtocol.SaveStep>();

    [Fact]
    public void After_two_crashes_in_a_row_at_any_steps_the_newest_committed_checkpoint_loads_whole()
    {
        using var dir = new TempDir();
        var expectedWeights = Enumerable.Range(1, 4).ToDictionary(e => e, EpochCheckpoints.WeightsOf);
        foreach (var first in Steps)
            foreach (var second in Steps)
            {
                string ckpt = dir.File($"ckpt-{first}-{second}");
                EpochCheckpoints.Save(ckpt, 1);
                EpochCheckpoints.Save(ckpt, 2, first);
                EpochCheckpoints.Save(ckpt, 3, second);
                // A save is committed once the current checkpoint has been moved aside for it (from then on, loading
                // and the next save's repair take the new one); before that the previous checkpoint stays the current one.
                int committed = second >= SaveProtocol.SaveStep.CurrentMovedToOld ? 3 : first >= SaveProtocol.SaveStep.CurrentMovedToOld ? 2 : 1;
                string where = $"crashes after {first}, then after {second}";
                Assert.True(Checkpoint.Exists(ckpt), $"{where}: no checkpoint left");
                var (model, state) = Checkpoint.LoadModel(ckpt, torch.CPU);
                using (model)
                {
                    Assert.True(committed == state.Epoch, $"{where}: loaded epoch {state.Epoch}, expected {committed}");
                    Assert.Equal(committed, state.History.Count);
                    Assert.True(expectedWeights[committed].SequenceEqual(Synthetic.Weights(model)), $"{where}: the weights are not those of epoch {committed}");
                }
                // The next save completes and leaves exactly one folder.
                EpochCheckpoints.Save(ckpt, 4);
                Assert.Equal(4, Checkpoint.ReadState(ckpt).Epoch);
                Assert.False(Directory.Exists(ckpt + ".tmp") || Directory.Exists(ckpt + ".old"), $"{where}: leftovers after a complete save");
            }
    }

    [Fact]
    public void A_half_written_temporary_folder_is_never_loaded_even_when_it_looks_complete()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt, 1);
        EpochCheckpoints.Save(ckpt, 2, SaveProtocol.SaveStep.CurrentMovedToOld);  // DIR gone: DIR.tmp (epoch 2) and DIR.old (epoch 1)
        // Damage the newer folder after its manifest was written: it must no longer count as complete.
        File.WriteAllBytes(Path.Combine(ckpt + ".tmp", "model.safetensors"), [1, 2, 3]);
        Assert.Equal(1, Checkpoint.ReadState(ckpt).Epoch);
        var (model, _) = Checkpoint.LoadModel(ckpt, torch.CPU);
        using (model) Assert.True(EpochCheckpoints.WeightsOf(1).SequenceEqual(Synthetic.Weights(model)));
    }
}
