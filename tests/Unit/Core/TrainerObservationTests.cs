using TorchSharp;
using TorchSharp.Modules;
using Vae.Core.Config;
using Vae.Core.Evaluation;
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

/// <summary>What generation draws, against closed forms: the manifold's grid and the prior's samples.</summary>
public sealed class GenerationBehaviourTests
{
    [Fact]
    public void The_manifold_decodes_the_normal_quantiles_of_an_even_grid_with_z2_decreasing_down_the_rows()
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 5, torch.CPU);
        const int side = 5;
        using var grid = Generation.Manifold(model, side, torch.CPU); // [25, 1, 28, 28]
        // Expected latent points: u_i = (i + ½) / side, z = Φ⁻¹(u) (MathNet's inverse normal CDF); row r has z₂ = Φ⁻¹(u_{side−1−r}).
        var q = Enumerable.Range(0, side).Select(i => MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, (i + 0.5) / side)).ToArray();
        var z = new float[side * side * 2];
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++)
            {
                z[2 * (r * side + c)] = (float)q[c];
                z[2 * (r * side + c) + 1] = (float)q[side - 1 - r];
            }
        using var points = torch.tensor(z, [side * side, 2]);
        using var _ = torch.inference_mode();
        using var expected = torch.sigmoid(model.Decode(points));
        Assert.True(torch.allclose(expected, grid, rtol: 1e-5, atol: 1e-6), "the manifold is not the decoded quantile grid");
    }

    [Fact]
    public void Prior_samples_decode_standard_normal_draws_of_the_given_generator()
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 5, torch.CPU);
        using var g1 = new Generator(77);
        using var samples = Generation.SamplePrior(model, 500, g1, torch.CPU);
        // The same generator state drawn by hand: z ~ N(0, I) of shape [count, D], decoded and squashed.
        using var g2 = new Generator(77);
        using var z = torch.randn([500, 2], generator: g2);
        using var _ = torch.inference_mode();
        using var expected = torch.sigmoid(model.Decode(z));
        Assert.True(expected.eq(samples).all().item<bool>(), "prior samples are not the decoded N(0, I) draws");
        // And those draws have the prior's moments: mean 0 ± 4·(1/√1000), variance 1 ± 0.2 over 1000 numbers.
        Assert.InRange(z.mean().item<float>(), -0.13f, 0.13f);
        Assert.InRange(z.var().item<float>(), 0.8f, 1.2f);
    }
}

/// <summary>The training config is the protocol: an optimizer.pt with other settings contributes its moments only.</summary>
public sealed class OptimizerProtocolTests
{
    [Fact]
    public void A_resumed_optimizer_file_with_another_step_size_is_named_and_the_configs_step_size_is_used()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(128, 4);
        var data = new TrainingData(images, null);
        var config = Synthetic.Fast(1, dir.File("run")) with { LearningRate = 3e-3 };
        using (var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) Trainer.Fit(model, config, data);
        // The same model trained with step size 0.5 elsewhere: its optimizer.pt is the "edited" file.
        using (var other = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) Trainer.Fit(other, config with { LearningRate = 0.5, CheckpointDir = dir.File("other") }, data);
        File.Copy(dir.File("other/optimizer.pt"), dir.File("run/optimizer.pt"), overwrite: true);
        File.Delete(dir.File("run/manifest.json")); // a legacy folder: the hash check would otherwise refuse the edit first

        var notices = new List<string>();
        var rates = new List<double>();
        using var resumed = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        Trainer.Fit(resumed, config with { Epochs = 2 }, data, new TrainingOptions(Resume: true)
        {
            OnNotice = notices.Add,
            Trace = t => rates.Add(t.Optimizer.ParamGroups.Single().LearningRate),
        });

        Assert.Contains(notices, n => n.Contains("lr 0.5 in the file, 0.003 in the config"));
        Assert.Equal(2, rates.Count); // epoch 2 of 128 images at batch 64
        Assert.All(rates, r => Assert.Equal(3e-3, r));
    }

    [Fact]
    public void An_optimizer_file_with_moment_buffers_of_other_shapes_is_refused_before_the_first_step()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(128, 4);
        var data = new TrainingData(images, null);
        var config = Synthetic.Fast(1, dir.File("run"));
        using (var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) Trainer.Fit(model, config, data);
        // The same layers with 48 hidden units instead of 32: as many moment buffers, other shapes.
        var wider = Synthetic.SmallConv with { HiddenDim = 48 };
        using (var other = Trainer.CreateModel(wider, 3, torch.CPU)) Trainer.Fit(other, config with { CheckpointDir = dir.File("other") }, data);
        File.Copy(dir.File("other/optimizer.pt"), dir.File("run/optimizer.pt"), overwrite: true);
        File.Delete(dir.File("run/manifest.json"));

        using var resumed = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var e = Assert.Throws<Vae.Core.Checkpoints.CheckpointException>(() => Trainer.Fit(resumed, config with { Epochs = 2 }, data, new TrainingOptions(Resume: true)));
        Assert.Contains("optimizer.pt holds a moment buffer of shape", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void An_optimizer_file_with_a_two_megabyte_pickle_is_refused_before_it_is_unpickled()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(128, 4);
        var config = Synthetic.Fast(1, dir.File("run"));
        using (var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) Trainer.Fit(model, config, new TrainingData(images, null));
        // Rewrite the torch.save archive with a 2 MB string in place of its pickle (the hostile case cost 2.5 GB unchecked).
        string pt = dir.File("run/optimizer.pt");
        using (var zip = System.IO.Compression.ZipFile.Open(pt, System.IO.Compression.ZipArchiveMode.Update))
        {
            var pickle = zip.Entries.Single(e => e.Name == "data.pkl");
            string name = pickle.FullName;
            pickle.Delete();
            using var stream = zip.CreateEntry(name).Open();
            stream.Write(System.Text.Encoding.ASCII.GetBytes(new string('a', 2_000_000)));
        }
        File.Delete(dir.File("run/manifest.json"));

        using var resumed = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<Vae.Core.Checkpoints.CheckpointException>(() => Trainer.Fit(resumed, config with { Epochs = 2 }, new TrainingData(images, null), new TrainingOptions(Resume: true)));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 64L << 20);
        Assert.Contains("data.pkl is 2,000,000 bytes", e.Message);
    }
}

/// <summary>Generation helpers beyond the prior and the manifold: what they decode, against direct calls.</summary>
public sealed class GenerationHelperTests
{
    [Fact]
    public void Interpolation_decodes_the_straight_line_between_the_two_posterior_means_end_points_included()
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 5, torch.CPU);
        using var images = Synthetic.Images(2, 8);
        using var path = Generation.Interpolate(model, images[0], images[1], 3); // [3, 1, 28, 28]
        using var _ = torch.inference_mode();
        using var a = model.Encode(images[0].unsqueeze(0)).Mu;
        using var b = model.Encode(images[1].unsqueeze(0)).Mu;
        using var expected = torch.sigmoid(model.Decode(torch.cat([a, (a + b) / 2, b], 0))); // t = 0, ½, 1
        Assert.True(torch.allclose(expected, path, rtol: 1e-5, atol: 1e-6), "interpolation is not the decoded line a + t (b − a)");
        Assert.Equal(2, Generation.Interpolate(model, images[0], images[1], 2).shape[0]); // two steps: the end points
    }

    [Fact]
    public void A_gaussian_model_shows_its_clamped_mean_not_a_sigmoid()
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv with { Likelihood = Likelihood.Gaussian }, 5, torch.CPU);
        using var output = torch.tensor(new[] { -0.5f, 0.25f, 0.75f, 1.5f });
        Assert.Equal(new[] { 0f, 0.25f, 0.75f, 1f }, Generation.ToImage(model, output).data<float>().ToArray());
    }
}

/// <summary>The per-epoch history the trainer returns (what loss charts and metrics.json are made of), against its definitions.</summary>
public sealed class TrainingHistoryBookkeepingTests
{
    [Fact]
    public void Each_epoch_records_its_examples_its_terms_summing_to_the_total_and_the_last_epoch_is_evaluated()
    {
        using var images = Synthetic.Images(200, 6);
        using var test = Synthetic.Images(40, 7);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var history = Trainer.Fit(model, Synthetic.Fast(3) with { EvalEvery = 2 }, new TrainingData(images, test));

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
        var history = Trainer.Fit(model, Synthetic.Fast(10) with { EvalEvery = 5, ExampleBudget = 256 }, new TrainingData(images, test));

        // Epoch 1 sees 200 examples (batches 64, 64, 64, 8); epoch 2 stops after its first batch of 64, the one that
        // reaches the budget of 256: 264 examples in all.
        Assert.Equal(2, history.Epochs.Count);
        Assert.Equal(264L, history.Epochs[^1].ExamplesSeen);
        Assert.NotNull(history.Epochs[^1].Test);
    }
}
