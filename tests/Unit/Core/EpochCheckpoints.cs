using TorchSharp;
using Vae.Core.Checkpoints;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;
using Vae.Core.Metrics;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// Checkpoints whose content says which epoch they are: the model is seeded with the epoch and the history is as
/// long as it, so any folder found later can be told apart by its weights or its trainer.json.
/// </summary>
internal static class EpochCheckpoints
{
    sealed class Crash : Exception;

    static readonly SaveProtocol.SaveStep[] Steps = Enum.GetValues<SaveProtocol.SaveStep>();

    /// <summary>Saves epoch <paramref name="epoch"/> at <paramref name="dir"/>, stopped after <paramref name="crashAfter"/> as a crash would stop it.</summary>
    public static void Save(string dir, int epoch, SaveProtocol.SaveStep? crashAfter = null)
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, epoch, torch.CPU);
        using var optimizer = Trainer.CreateOptimizer(model, Synthetic.Fast(epoch));
        using var generator = new Generator((ulong)epoch);
        var history = Enumerable.Range(1, epoch).Select(e => new EpochMetrics(e, new LossSummary(e, e, 0), null, 1, 1, e)).ToList();
        var steps = new List<SaveProtocol.SaveStep>();
        try
        {
            SaveProtocol.Save(dir, model, optimizer, generator, Synthetic.Fast(epoch), history, step => { steps.Add(step); if (step == crashAfter) throw new Crash(); }, null);
        }
        catch (Crash) { }
        // The save passed through its steps in order, up to the crash: the crash happened where it was asked for.
        Assert.Equal(Steps.TakeWhile(s => crashAfter is null || s <= crashAfter), steps);
    }

    /// <summary>The weights of a model built for epoch <paramref name="epoch"/>, as <see cref="Save"/> writes them.</summary>
    public static float[] WeightsOf(int epoch)
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, epoch, torch.CPU);
        return Synthetic.Weights(model);
    }
}
