using TorchSharp;
using Vae.Core.Checkpoints;
using Vae.Core.Evaluation;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

public sealed class TrainerTests
{
    [Fact]
    public void Training_lowers_the_test_loss_far_below_the_untrained_model()
    {
        using var train = Synthetic.Images(2048, 1);
        using var test = Synthetic.Images(128, 2);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        double before = Evaluator.Evaluate(model, test, 128).Total;
        var history = Trainer.Fit(model, Synthetic.Fast(4), new TrainingData(train, test));
        double after = history.FinalTest!.Total;
        Assert.True(after < 0.8 * before, $"test loss {before:F1} → {after:F1}");
    }

    [Fact]
    public void The_cosine_schedule_starts_at_the_learning_rate_halves_at_mid_run_and_ends_at_zero()
    {
        var cosine = new Vae.Core.Config.TrainingConfig { LearningRate = 0.01, Schedule = Vae.Core.Config.LearningRateSchedule.Cosine };
        // lr · ½ (1 + cos(π t / T)) with T = 100: t = 0 → lr, t = 50 → lr / 2, t = 100 → 0, t = 25 → lr (2 + √2) / 4.
        Assert.Equal(0.01, Trainer.LearningRateAt(cosine, 0, 100), 12);
        Assert.Equal(0.005, Trainer.LearningRateAt(cosine, 50, 100), 12);
        Assert.Equal(0.0, Trainer.LearningRateAt(cosine, 100, 100), 12);
        Assert.Equal(0.01 * (2 + Math.Sqrt(2)) / 4, Trainer.LearningRateAt(cosine, 25, 100), 12);
        Assert.Equal(0.01, Trainer.LearningRateAt(cosine with { Schedule = Vae.Core.Config.LearningRateSchedule.Constant }, 99, 100));
    }

    [Fact]
    public void The_schedule_spans_all_epochs_or_the_example_budget_whichever_ends_first()
    {
        var c = new Vae.Core.Config.TrainingConfig { Epochs = 30, BatchSize = 128 };
        // MNIST: ⌈60000 / 128⌉ = 469 steps per epoch.
        Assert.Equal(30 * 469, Trainer.TotalSteps(c, 60_000));                                   // no budget: every epoch
        Assert.Equal(2 * 469, Trainer.TotalSteps(c with { ExampleBudget = 120_000 }, 60_000));    // budget of exactly 2 epochs
        Assert.Equal(469 + 8, Trainer.TotalSteps(c with { ExampleBudget = 61_000 }, 60_000));     // 1 epoch + ⌈1000 / 128⌉
        Assert.Equal(30 * 469, Trainer.TotalSteps(c with { ExampleBudget = 10_000_000 }, 60_000)); // budget beyond the epochs
    }

    [Fact]
    public void A_cosine_schedule_changes_the_steps_taken_and_is_reproducible()
    {
        using var train = Synthetic.Images(256, 1);
        double[] Run(Vae.Core.Config.LearningRateSchedule schedule)
        {
            using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
            return Trainer.Fit(model, Synthetic.Fast(3) with { Schedule = schedule }, new TrainingData(train, null)).Epochs.Select(e => e.Train.Total).ToArray();
        }
        var cosine = Run(Vae.Core.Config.LearningRateSchedule.Cosine);
        var constant = Run(Vae.Core.Config.LearningRateSchedule.Constant);
        Assert.Equal(cosine, Run(Vae.Core.Config.LearningRateSchedule.Cosine));
        Assert.NotEqual(constant[^1], cosine[^1]); // the schedule reached the optimizer: the steps differ
    }

    [Fact]
    public void Two_runs_with_the_same_seed_give_identical_losses()
    {
        using var train = Synthetic.Images(256, 1);
        using var test = Synthetic.Images(64, 2);
        double[] Run()
        {
            using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
            return Trainer.Fit(model, Synthetic.Fast(2), new TrainingData(train, test)).Epochs
                .SelectMany(e => new[] { e.Train.Total, e.Test!.Total }).ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void A_resumed_run_reproduces_the_uninterrupted_history()
    {
        using var dir = new TempDir();
        using var train = Synthetic.Images(256, 1);
        using var test = Synthetic.Images(64, 2);
        using var full = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var uninterrupted = Trainer.Fit(full, Synthetic.Fast(4), new TrainingData(train, test), Synthetic.At(dir.File("a")));

        using (var first = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU))
            Trainer.Fit(first, Synthetic.Fast(2), new TrainingData(train, test), Synthetic.At(dir.File("b")));
        using var second = Trainer.CreateModel(Synthetic.SmallConv, 99, torch.CPU); // different init: the checkpoint must overwrite it
        var resumed = Trainer.Fit(second, Synthetic.Fast(4), new TrainingData(train, test), Synthetic.At(dir.File("b"), new TrainingOptions(Resume: true)));

        Assert.Equal(uninterrupted.Epochs.Select(e => (e.Train, e.Test)), resumed.Epochs.Select(e => (e.Train, e.Test)));
    }

    [Fact]
    public void Resuming_with_another_protocol_or_fewer_epochs_is_refused()
    {
        using var dir = new TempDir();
        using var train = Synthetic.Images(128, 1);
        using (var first = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU))
            Trainer.Fit(first, Synthetic.Fast(2), new TrainingData(train, null), Synthetic.At(dir.File("c")));
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var lr = Assert.Throws<CheckpointException>(() => Trainer.Fit(model, Synthetic.Fast(3) with { LearningRate = 0.5 }, new TrainingData(train, null), Synthetic.At(dir.File("c"), new TrainingOptions(Resume: true))));
        // Synthetic.Fast trains at 3e-3: the message names the one differing field and both values.
        Assert.Contains("trained with another protocol (learningRate: 0.003 in the checkpoint, 0.5 asked for)", lr.Message);
        var fewer = Assert.Throws<CheckpointException>(() => Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(train, null), Synthetic.At(dir.File("c"), new TrainingOptions(Resume: true))));
        Assert.Contains("has 2 epochs, more than the 1 asked for", fewer.Message);
    }

    [Fact]
    public void A_non_finite_loss_stops_training_naming_the_epoch_and_step()
    {
        using var train = Synthetic.Images(128, 1);
        train[5, 0, 3, 3] = torch.tensor(float.NaN);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, Synthetic.Fast(1) with { BatchSize = 128 }, new TrainingData(train, null)));
        Assert.Equal((1, 1), (e.Epoch, e.Step));
        Assert.Contains("loss is NaN at epoch 1, step 1", e.Message);
    }

    [Fact]
    public void Save_load_evaluate_gives_bit_identical_metrics()
    {
        using var dir = new TempDir();
        using var train = Synthetic.Images(256, 1);
        using var test = Synthetic.Images(64, 2);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(train, test), Synthetic.At(dir.File("ckpt")));
        var before = Evaluator.Evaluate(model, test, 500);
        var (loaded, state) = Checkpoint.LoadModel(dir.File("ckpt"), torch.CPU);
        using (loaded)
        {
            Assert.Equal(before, Evaluator.Evaluate(loaded, test, 500));
            Assert.Equal(1, state.Epoch);
            Assert.Equal(Synthetic.SmallConv, state.Model);
        }
    }

    [Fact]
    public void An_interrupted_checkpoint_write_leaves_the_previous_checkpoint_loadable()
    {
        using var dir = new TempDir();
        using var train = Synthetic.Images(128, 1);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(train, null), Synthetic.At(dir.File("ckpt")));
        // A crash between the two renames of Checkpoint.Save: DIR moved to DIR.old, a half-written DIR.tmp beside it.
        Directory.Move(dir.File("ckpt"), dir.File("ckpt.old"));
        Directory.CreateDirectory(dir.File("ckpt.tmp"));
        File.WriteAllBytes(dir.File("ckpt.tmp/model.safetensors"), [1, 2, 3]);
        Assert.True(Checkpoint.Exists(dir.File("ckpt")));
        var (loaded, state) = Checkpoint.LoadModel(dir.File("ckpt"), torch.CPU);
        using (loaded) Assert.Equal(1, state.Epoch);
    }

    [Fact]
    public void A_corrupt_or_mismatched_checkpoint_is_a_clear_error()
    {
        using var dir = new TempDir();
        using var train = Synthetic.Images(128, 1);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(train, null), Synthetic.At(dir.File("ckpt")));
        var other = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(dir.File("ckpt"), torch.CPU, Synthetic.SmallConv with { LatentDim = 5 }));
        Assert.Contains("made for a different model (latentDim: 2 in the checkpoint, 5 asked for)", other.Message);
        File.WriteAllBytes(dir.File("ckpt/model.safetensors"), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var corrupt = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(dir.File("ckpt"), torch.CPU));
        Assert.Contains("the checkpoint is damaged (model.safetensors does not match its manifest.json", corrupt.Message);
        var missing = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(dir.File("nothing"), torch.CPU));
        Assert.Contains("no checkpoint here", missing.Message);
    }

    [Theory]
    [InlineData(Vae.Core.Config.Likelihood.Gaussian)]
    [InlineData(Vae.Core.Config.Likelihood.GaussianLearnedVariance)]
    public void Gaussian_likelihoods_train_to_a_finite_lower_loss(Vae.Core.Config.Likelihood likelihood)
    {
        using var train = Synthetic.Images(512, 1);
        using var test = Synthetic.Images(64, 2);
        using var model = Trainer.CreateModel(Synthetic.SmallConv with { Likelihood = likelihood }, 3, torch.CPU);
        double before = Evaluator.Evaluate(model, test, 64).Total;
        var history = Trainer.Fit(model, Synthetic.Fast(2), new TrainingData(train, test));
        Assert.True(double.IsFinite(history.FinalTest!.Total));
        Assert.True(history.FinalTest.Total < before, $"{before:F1} → {history.FinalTest.Total:F1}");
        Assert.Equal(likelihood == Vae.Core.Config.Likelihood.GaussianLearnedVariance, model.ObservationLogVar is not null);
    }
}
