using System.Diagnostics;
using TorchSharp;
using Vae.Core.Training;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// Resident memory is a property of the whole test process, so these tests run alone: a collection with
/// parallelisation disabled runs after every parallel collection has finished, and nothing else allocates meanwhile.
/// </summary>
[CollectionDefinition("resident memory", DisableParallelization = true)]
public sealed class ResidentMemoryCollection;

[Collection("resident memory")]
public sealed class NativeMemoryTests
{
    [Fact]
    public void Native_memory_stays_flat_over_twenty_epochs()
    {
        using var train = Synthetic.Images(512, 1);
        using var test = Synthetic.Images(128, 2);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var rss = new List<long>();
        Trainer.Fit(model, Synthetic.Fast(20), new TrainingData(train, test), new TrainingOptions(OnEpoch: _ =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            using var p = Process.GetCurrentProcess();
            rss.Add(p.WorkingSet64);
        }));
        // A leak of one [64, 1, 28, 28] float batch per step adds 200 kB × 8 steps = 1.6 MB per epoch: about
        // 1.6 MB × 12 ≈ 19 MB from epoch 4 to epoch 16. Comparing the highest of epochs 2-4 with the lowest of
        // epochs 16-20 ignores a transient peak in any single epoch, which a leak, rising every epoch, cannot hide in.
        long early = rss.Skip(1).Take(3).Max();
        long late = rss.TakeLast(5).Min();
        long growth = late - early;
        Assert.True(growth < 8 * 1024 * 1024,
            $"RSS grew by {growth / 1024} kB from epochs 2-4 to epochs 16-20 (per epoch: {string.Join(", ", rss.Select(r => r / 1024 / 1024))} MB)");
    }
}
