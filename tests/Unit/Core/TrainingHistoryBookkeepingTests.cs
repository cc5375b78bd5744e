using TorchSharp;
using Vae.Core.Training;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>The per-epoch history the trainer returns (what loss charts and metrics.json are made of), against its definitions.</summary>
public sealed class TrainingHistoryBookkeepingTests
{
    [Fact]
    public void Each_epoch_records_its_examples_its_terms_summing_to_the_total_and_the_last_epoch_is_evaluated()
    {
        using var images = Synthetic.Images(200, 6);
        using var test = Synthetic.Images(40, 7);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var history = Trainer.Fit(model, Synthetic.Fast(3), new TrainingData(images, test), new TrainingOptions { Placement = new() { EvalEvery = 2 } });

        Assert.Equal([1, 2, 3], history.Epochs.Select(e => e.Epoch));
        Assert.Equal([200L, 400L, 600L], history.Epochs.Select(e => e.ExamplesSeen)); // 200 images per epoch, cumulative
        foreach (var e in history.Epochs)
        {
            Assert.True(e.Train.Kl > 0, $"epoch {e.Epoch}: the KL of a trained posterior is positive, got {e.Train.Kl}");
            Assert.Equal(e.Train.Total, e.Train.Reconstruction + e.Train.Kl, 1e-3);
        }
        // EvalEvery = 2: epoch 2 and the last epoch (3) are evaluated on the test images, epoch 1 is not.
        Assert.Equal([false, true, true], history.Epochs.Select(e => e.Test is not null));
    }

    [Fact]
    public void An_example_budget_ends_training_and_its_last_epoch_is_evaluated()
    {
        using var images = Synthetic.Images(200, 6);
        using var test = Synthetic.Images(40, 7);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var history = Trainer.Fit(model, Synthetic.Fast(10) with { ExampleBudget = 256 }, new TrainingData(images, test), new TrainingOptions { Placement = new() { EvalEvery = 5 } });

        // Epoch 1 sees 200 examples (batches 64, 64, 64, 8); epoch 2 stops after its first batch of 64, the one that
        // reaches the budget of 256: 264 examples in all.
        Assert.Equal(2, history.Epochs.Count);
        Assert.Equal(264L, history.Epochs[^1].ExamplesSeen);
        Assert.NotNull(history.Epochs[^1].Test);
    }
}
