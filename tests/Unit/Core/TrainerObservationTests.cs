using TorchSharp;
using TorchSharp.Modules;
using Vae.Core.Config;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// What the trainer feeds the optimizer, observed at every step through the internal trace seam, against expectations
/// written out here: each example once per epoch in a fresh order, the step size of the schedule's formula, the
/// configured Adam settings.
/// </summary>
public sealed class TrainerObservationTests
{
    // 200 images, image i filled with (i + 1) / 256 so that a batch says which examples it holds.
    const int N = 200;

    static Tensor Indexed() => (torch.arange(1, N + 1, dtype: ScalarType.Float32) / 256f).reshape(N, 1, 1, 1).expand(N, 1, 28, 28).contiguous();

    static int[] Ids(Tensor batch) => batch[.., 0, 0, 0].mul(256f).round().to_type(ScalarType.Int32).data<int>().Select(v => v - 1).ToArray();

    [Fact]
    public void Every_example_is_used_exactly_once_per_epoch_and_consecutive_epochs_use_different_orders()
    {
        using var images = Indexed();
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var order = new Dictionary<int, List<int>>();
        var options = new TrainingOptions { Trace = t => { if (!order.ContainsKey(t.Epoch)) order[t.Epoch] = []; order[t.Epoch].AddRange(Ids(t.Batch)); } };
        Trainer.Fit(model, Synthetic.Fast(3) with { BatchSize = 64 }, new TrainingData(images, null), options);

        Assert.Equal([1, 2, 3], order.Keys.Order());
        foreach (var (epoch, ids) in order)
            Assert.Equal(Enumerable.Range(0, N), ids.Order()); // 64 + 64 + 64 + 8: all 200, none twice
        Assert.NotEqual(order[1], order[2]);
        Assert.NotEqual(order[2], order[3]);
        Assert.NotEqual(Enumerable.Range(0, N), order[1]); // shuffled, not in file order
    }

    [Theory]
    [InlineData(LearningRateSchedule.Constant)]
    [InlineData(LearningRateSchedule.Cosine)]
    public void The_optimizer_has_the_schedules_step_size_and_the_configured_Adam_settings_at_every_step(LearningRateSchedule schedule)
    {
        using var images = Indexed();
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var config = Synthetic.Fast(2) with { BatchSize = 50, LearningRate = 4e-3, Schedule = schedule, Beta1 = 0.8, Beta2 = 0.95, WeightDecay = 1e-4 };
        var seen = new List<(long Step, double Lr, double Beta1, double Beta2, double Decay)>();
        var options = new TrainingOptions
        {
            Trace = t =>
            {
                var group = (Adam.ParamGroup)t.Optimizer.ParamGroups.Single();
                var o = (Adam.Options)group.Options;
                seen.Add((t.GlobalStep, group.LearningRate, o.beta1!.Value, o.beta2!.Value, o.weight_decay!.Value));
            },
        };
        Trainer.Fit(model, config, new TrainingData(images, null), options);

        const int total = 2 * N / 50; // 8 steps
        Assert.Equal(Enumerable.Range(0, total).Select(i => (long)i), seen.Select(s => s.Step));
        foreach (var (step, lr, b1, b2, decay) in seen)
        {
            // Cosine annealing (Loshchilov and Hutter 2017) per step: lr · ½(1 + cos(π t / T)), t = 0 … T − 1.
            double expected = schedule == LearningRateSchedule.Constant ? 4e-3 : 4e-3 * 0.5 * (1 + Math.Cos(Math.PI * step / total));
            Assert.Equal(expected, lr, 12);
            Assert.Equal(0.8, b1);
            Assert.Equal(0.95, b2);
            Assert.Equal(1e-4, decay);
        }
    }
}
