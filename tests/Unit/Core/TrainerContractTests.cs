using TorchSharp;
using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;
using Vae.Core.Metrics;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// The trainer's contract at its edges: the step count the schedule spans, the budget's exact stop, the step
/// callback's running count, what a resume refuses, and configs refused before training starts.
/// Expected values are counted by hand from the batch arithmetic.
/// </summary>
public sealed class TrainerContractTests
{
    /// <summary>A run of <paramref name="epochs"/> epochs checkpointed into <paramref name="ckpt"/>, to be resumed.</summary>
    static TrainingHistory TrainInto(string ckpt, Tensor images, int epochs)
    {
        using var first = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        return Trainer.Fit(first, Synthetic.Fast(epochs), new TrainingData(images, null), Synthetic.At(ckpt));
    }

    [Theory]
    // trainCount 1000, batch 128: 8 steps an epoch (7 full batches and one of 104); 3 epochs are 24 steps.
    [InlineData(null, 24)]
    [InlineData(10_000L, 24)]  // a budget beyond the epochs does not lengthen the run
    [InlineData(2_500L, 20)]   // 2 full epochs (16 steps) and 500 more examples: 4 steps
    [InlineData(2_000L, 16)]   // exactly 2 epochs
    [InlineData(1L, 1)]        // the first step already reaches it
    [InlineData(129L, 2)]
    public void The_schedule_spans_the_steps_the_epochs_or_the_budget_allow(long? budget, long expected)
    {
        var config = new TrainingConfig { Epochs = 3, BatchSize = 128, ExampleBudget = budget };
        Assert.Equal(expected, Trainer.TotalSteps(config, 1000));
    }

    [Fact]
    public void Past_its_last_step_the_cosine_schedule_stays_at_zero()
    {
        // lr · ½ (1 + cos(π · min(s − W, T − W) / (T − W))): at and beyond s = T the angle is π, the step size 0.
        var config = new TrainingConfig { LearningRate = 1e-3, Schedule = LearningRateSchedule.Cosine, WarmupSteps = 10 };
        Assert.Equal(0, Trainer.LearningRateAt(config, 100, 100), 15);
        Assert.Equal(0, Trainer.LearningRateAt(config, 120, 100), 15);
        Assert.Equal(1e-3 * 0.5 * (1 + Math.Cos(Math.PI * 45 / 90)), Trainer.LearningRateAt(config, 55, 100), 15);
    }

    [Fact]
    public void A_budget_of_exactly_two_epochs_trains_exactly_two_epochs()
    {
        using var images = Synthetic.Images(100, 6);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var history = Trainer.Fit(model, Synthetic.Fast(5) with { ExampleBudget = 200 }, new TrainingData(images, null));
        Assert.Equal([100L, 200L], history.Epochs.Select(e => e.ExamplesSeen));
    }

    [Fact]
    public void The_step_callback_receives_the_running_count_of_examples_across_epochs()
    {
        // 100 images, batches of 64: 64 then 100 in epoch 1, 164 then 200 in epoch 2.
        using var images = Synthetic.Images(100, 6);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var counts = new List<long>();
        Trainer.Fit(model, Synthetic.Fast(2), new TrainingData(images, null), new TrainingOptions { OnStep = counts.Add });
        Assert.Equal([64L, 100L, 164L, 200L], counts);
    }

    [Fact]
    public void A_resumed_run_counts_its_examples_on_from_the_checkpoint()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(100, 6);
        TrainInto(dir.File("ckpt"), images, 1);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var counts = new List<long>();
        var history = Trainer.Fit(model, Synthetic.Fast(3), new TrainingData(images, null), Synthetic.At(dir.File("ckpt"), new TrainingOptions { Resume = true, OnStep = counts.Add }));
        Assert.Equal([100L, 200L, 300L], history.Epochs.Select(e => e.ExamplesSeen));
        Assert.Equal([164L, 200L, 264L, 300L], counts);
    }

    [Fact]
    public void Resuming_with_fewer_epochs_than_the_checkpoint_has_is_refused_with_both_counts()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(64, 6);
        string ckpt = dir.File("ckpt");
        TrainInto(ckpt, images, 2);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var e = Assert.Throws<CheckpointException>(() => Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(images, null), Synthetic.At(ckpt, new TrainingOptions { Resume = true })));
        Assert.Equal($"{ckpt}: the checkpoint has 2 epochs, more than the 1 asked for; ask for at least 2 or use another folder", e.Message);
    }

    [Fact]
    public void Resuming_with_another_protocol_is_refused_with_the_difference()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(64, 6);
        string ckpt = dir.File("ckpt");
        TrainInto(ckpt, images, 1);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var e = Assert.Throws<CheckpointException>(() => Trainer.Fit(model, Synthetic.Fast(2) with { BatchSize = 32 }, new TrainingData(images, null), Synthetic.At(ckpt, new TrainingOptions { Resume = true })));
        Assert.StartsWith($"{ckpt}: the checkpoint was trained with another protocol (", e.Message);
        Assert.Contains("batchSize: 64 in the checkpoint, 32 asked for", e.Message);
        Assert.EndsWith("); resume with the same settings or use another folder", e.Message);
    }

    [Fact]
    public void An_invalid_config_is_refused_before_the_model_is_touched()
    {
        using var images = Synthetic.Images(64, 6);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var before = Synthetic.Weights(model);
        var e = Assert.Throws<ArgumentException>(() => Trainer.Fit(model, Synthetic.Fast(1) with { LearningRate = -1 }, new TrainingData(images, null)));
        Assert.Contains("LearningRate", e.Message);
        Assert.Equal(before, Synthetic.Weights(model)); // the weights are untouched
    }

    sealed class Recorder<T> : IProgress<T>
    {
        public List<T> Reports { get; } = [];
        public void Report(T value) => Reports.Add(value);
    }

    [Fact]
    public void Progress_reports_every_step_with_the_running_mean_that_ends_at_the_epochs_train_loss()
    {
        // 100 images, batches of 64: steps 1 and 2 of 2 in each of 2 epochs.
        using var images = Synthetic.Images(100, 6);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var progress = new Recorder<TrainingProgress>();
        var history = Trainer.Fit(model, Synthetic.Fast(2), new TrainingData(images, null), new TrainingOptions { Progress = progress });
        Assert.Equal([(1, 1), (1, 2), (2, 1), (2, 2)], progress.Reports.Select(r => (r.Epoch, r.Step)));
        Assert.All(progress.Reports, r => { Assert.Equal(2, r.Epochs); Assert.Equal(2, r.Steps); Assert.True(r.ExamplesPerSecond > 0); });
        Assert.Equal(history.Epochs[0].Train.Total, progress.Reports[1].MeanLoss, 9);
        Assert.Equal(history.Epochs[1].Train.Total, progress.Reports[3].MeanLoss, 9);
    }

    [Fact]
    public void Evaluation_progress_counts_the_images_done_out_of_all()
    {
        using var images = Synthetic.Images(25, 6);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var progress = new Recorder<Vae.Core.Evaluation.EvaluationProgress>();
        Vae.Core.Evaluation.Evaluator.ImportanceWeightedLogLikelihood(model, images, 2, batchSize: 10, progress: progress);
        Assert.Equal([(10, 25), (20, 25), (25, 25)], progress.Reports.Select(r => (r.Done, r.Total)));
    }

    [Fact]
    public void The_first_epochs_order_is_a_permutation_drawn_from_the_seed_plus_the_noise_offset()
    {
        using var images = Synthetic.Images(100, 6);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var batches = new List<float[]>();
        Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(images, null), new TrainingOptions { Trace = t => batches.Add(t.Batch.data<float>().ToArray()) });
        // Trainer.NoiseSeedOffset is documented as 1,000,003: the shuffle generator is seeded with Seed + 1,000,003.
        using var g = new torch.Generator((ulong)(3 + 1_000_003));
        using var order = torch.randperm(100, generator: g);
        using var first = images.index_select(0, order[..64]);
        Assert.Equal(first.data<float>().ToArray(), batches[0]);
    }

    [Fact]
    public void Resuming_a_finished_run_with_its_own_epoch_count_returns_its_history_without_training()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(64, 6);
        string ckpt = dir.File("ckpt");
        var finished = TrainInto(ckpt, images, 2);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        int steps = 0;
        var history = Trainer.Fit(model, Synthetic.Fast(2), new TrainingData(images, null), Synthetic.At(ckpt, new TrainingOptions { Resume = true, OnStep = _ => steps++ }));
        Assert.Equal(0, steps);
        Assert.Equal(finished.Epochs.Select(e => e.Train.Total), history.Epochs.Select(e => e.Train.Total));
    }

    [Fact]
    public void A_constant_schedule_with_warmup_rises_linearly_and_then_holds()
    {
        using var images = Synthetic.Images(256, 6);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var rates = new List<double>();
        Trainer.Fit(model, Synthetic.Fast(1) with { LearningRate = 3e-3, WarmupSteps = 3 }, new TrainingData(images, null),
            new TrainingOptions { Trace = t => rates.Add(t.Optimizer.ParamGroups.Single().LearningRate) });
        // lr · (s + 1) / W for s < W = 3, then lr: 1e-3, 2e-3, 3e-3, 3e-3.
        Assert.Equal(4, rates.Count);
        Assert.Equal([1e-3, 2e-3, 3e-3, 3e-3], rates.Select(r => Math.Round(r, 12)));
    }

    [Fact]
    public void A_budget_reached_exactly_mid_epoch_stops_there_and_that_epoch_is_evaluated()
    {
        using var images = Synthetic.Images(100, 6);
        using var test = Synthetic.Images(20, 7);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var history = Trainer.Fit(model, Synthetic.Fast(3) with { BatchSize = 10, ExampleBudget = 40 }, new TrainingData(images, test), new TrainingOptions { Placement = new() { EvalEvery = 5 } });
        Assert.Single(history.Epochs);
        Assert.Equal(40L, history.Epochs[0].ExamplesSeen);
        Assert.NotNull(history.Epochs[0].Test);
    }

    [Fact]
    public void Rates_are_examples_per_second_and_each_epoch_is_handed_to_the_epoch_callback()
    {
        using var images = Synthetic.Images(100, 6);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var progress = new Recorder<TrainingProgress>();
        var epochs = new List<EpochMetrics>();
        var wall = System.Diagnostics.Stopwatch.StartNew();
        var history = Trainer.Fit(model, Synthetic.Fast(2), new TrainingData(images, null), new TrainingOptions { Progress = progress, OnEpoch = epochs.Add });
        double fit = wall.Elapsed.TotalSeconds;
        Assert.Equal(history.Epochs, epochs);
        // Each epoch (and each step) took less than the whole fit, so its rate is at least its examples over the fit's time.
        Assert.All(history.Epochs, e => Assert.True(e.ExamplesPerSecond >= 100 / fit, $"{e.ExamplesPerSecond} examples/s"));
        Assert.All(progress.Reports, r => Assert.True(r.ExamplesPerSecond >= (r.Step == 1 ? 64 : 100) / fit, $"{r.ExamplesPerSecond} examples/s"));
    }

    [Fact]
    public void A_cancelled_token_stops_training_before_the_first_step_and_the_estimate_before_the_first_batch()
    {
        using var images = Synthetic.Images(64, 6);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var before = Synthetic.Weights(model);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(images, null), new TrainingOptions { Cancellation = cancelled.Token }));
        Assert.Equal(before, Synthetic.Weights(model)); // the weights are untouched
        Assert.ThrowsAny<OperationCanceledException>(() => Vae.Core.Evaluation.Evaluator.ImportanceWeightedLogLikelihood(model, images, 2, cancellationToken: cancelled.Token));
    }

    [Fact]
    public void An_importance_weighted_estimate_with_chunks_of_one_sample_is_accepted()
    {
        using var images = Synthetic.Images(4, 6);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        double estimate = Vae.Core.Evaluation.Evaluator.ImportanceWeightedLogLikelihood(model, images, 3, chunk: 1);
        Assert.True(double.IsFinite(estimate) && estimate < 0, $"log p(x) of 784 pixels is negative, got {estimate}");
    }

    [Fact]
    public void Each_step_draws_fresh_reparameterisation_noise()
    {
        // One image repeated 64 times, one batch an epoch, a step size of 1e-12: batch and weights are the same in both
        // epochs up to 1e-12, so only the noise can move the loss by more than rounding. With the noise of the first
        // step drawn again, the change is exactly 0 (checked by planting that bug).
        using var one = Synthetic.Images(1, 6);
        using var images = one.expand(64, -1, -1, -1).contiguous(); // [64, 1, 28, 28]
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var history = Trainer.Fit(model, Synthetic.Fast(2) with { LearningRate = 1e-12 }, new TrainingData(images, null));
        double change = Math.Abs(history.Epochs[0].Train.Reconstruction - history.Epochs[1].Train.Reconstruction);
        Assert.True(change > 1e-3, $"the reconstruction term changed by {change:E2} nats between the epochs");
        Assert.Equal(history.Epochs[0].Train.Kl, history.Epochs[1].Train.Kl, 4); // the analytic KL has no noise in it
    }
}
