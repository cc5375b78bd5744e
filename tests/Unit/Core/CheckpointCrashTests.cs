using TorchSharp;
using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Core.Models;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

/// <summary>The checkpoint protocol under crashes: two saves in a row, each stopped after any of its steps.</summary>
public sealed class CheckpointCrashTests
{
    sealed class Crash : Exception;

    static readonly Checkpoint.SaveStep[] Steps = Enum.GetValues<Checkpoint.SaveStep>();

    /// <summary>Saves the weights of a model seeded with <paramref name="epoch"/> as epoch <paramref name="epoch"/>, stopping after <paramref name="crashAfter"/> if given.</summary>
    static void SaveEpoch(string dir, int epoch, Checkpoint.SaveStep? crashAfter)
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, epoch, torch.CPU);
        using var optimizer = Trainer.CreateOptimizer(model, Synthetic.Fast(epoch));
        using var generator = new Generator((ulong)epoch);
        var history = Enumerable.Range(1, epoch).Select(e => new EpochMetrics(e, new LossSummary(e, e, 0), null, 1, 1, e)).ToList();
        var steps = new List<Checkpoint.SaveStep>();
        try
        {
            Checkpoint.Save(dir, model, optimizer, generator, Synthetic.Fast(epoch), history, step => { steps.Add(step); if (step == crashAfter) throw new Crash(); });
        }
        catch (Crash) { }
        // The save passed through its steps in order, up to the crash: the crash happened where it was asked for.
        Assert.Equal(Steps.TakeWhile(s => crashAfter is null || s <= crashAfter), steps);
    }

    static float[] Weights(VariationalAutoencoder model) => model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    static float[] WeightsOfEpoch(int epoch)
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, epoch, torch.CPU);
        return Weights(model);
    }

    [Fact]
    public void After_two_crashes_in_a_row_at_any_steps_the_newest_committed_checkpoint_loads_whole()
    {
        using var dir = new TempDir();
        var expectedWeights = Enumerable.Range(1, 4).ToDictionary(e => e, WeightsOfEpoch);
        foreach (var first in Steps)
            foreach (var second in Steps)
            {
                string ckpt = dir.File($"ckpt-{first}-{second}");
                SaveEpoch(ckpt, 1, null);
                SaveEpoch(ckpt, 2, first);
                SaveEpoch(ckpt, 3, second);
                // A save is committed once the current checkpoint has been moved aside for it (from then on, loading
                // and the next save's repair take the new one); before that the previous checkpoint stays the current one.
                int committed = second >= Checkpoint.SaveStep.CurrentMovedToOld ? 3 : first >= Checkpoint.SaveStep.CurrentMovedToOld ? 2 : 1;
                string where = $"crashes after {first}, then after {second}";
                Assert.True(Checkpoint.Exists(ckpt), $"{where}: no checkpoint left");
                var (model, state) = Checkpoint.LoadModel(ckpt, torch.CPU);
                using (model)
                {
                    Assert.True(committed == state.Epoch, $"{where}: loaded epoch {state.Epoch}, expected {committed}");
                    Assert.Equal(committed, state.History.Count);
                    Assert.True(expectedWeights[committed].SequenceEqual(Weights(model)), $"{where}: the weights are not those of epoch {committed}");
                }
                // The next save completes and leaves exactly one folder.
                SaveEpoch(ckpt, 4, null);
                Assert.Equal(4, Checkpoint.ReadState(ckpt).Epoch);
                Assert.False(Directory.Exists(ckpt + ".tmp") || Directory.Exists(ckpt + ".old"), $"{where}: leftovers after a complete save");
            }
    }

    [Fact]
    public void A_half_written_temporary_folder_is_never_loaded_even_when_it_looks_complete()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        SaveEpoch(ckpt, 1, null);
        SaveEpoch(ckpt, 2, Checkpoint.SaveStep.CurrentMovedToOld);  // DIR gone: DIR.tmp (epoch 2) and DIR.old (epoch 1)
        // Damage the newer folder after its manifest was written: it must no longer count as complete.
        File.WriteAllBytes(Path.Combine(ckpt + ".tmp", "model.safetensors"), [1, 2, 3]);
        Assert.Equal(1, Checkpoint.ReadState(ckpt).Epoch);
        var (model, _) = Checkpoint.LoadModel(ckpt, torch.CPU);
        using (model) Assert.True(WeightsOfEpoch(1).SequenceEqual(Weights(model)));
    }
}
