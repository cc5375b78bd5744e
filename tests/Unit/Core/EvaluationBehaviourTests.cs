using TorchSharp;
using Vae.Core.Evaluation;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;
using Vae.Core.Losses;
using Vae.Core.Runtime;

namespace Vae.Tests.Unit.Core;

/// <summary>What the evaluator reports, against direct computations in the test.</summary>
public sealed class EvaluationBehaviourTests
{
    /// <summary>50 images: 30 dark (all zeros) first, then 20 bright (all ones), so batch means differ by far more than the noise.</summary>
    static Tensor Heterogeneous() => torch.cat([torch.zeros(30, 1, 28, 28), torch.ones(20, 1, 28, 28)], 0);

    [Theory]
    [InlineData(7)]
    [InlineData(32)]
    [InlineData(50)]
    [InlineData(64)]
    public void Evaluate_is_the_per_example_mean_over_the_whole_set_for_any_batch_size(int batchSize)
    {
        using var images = Heterogeneous();
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        // Direct computation: per-example terms of all 50 images in one pass, then their plain mean.
        model.eval();
        double expected, expectedKl;
        using (torch.inference_mode())
        using (var g = new Generator(Evaluator.DefaultSeed))
        {
            var terms = Step.Terms(model, images, g);
            using var total = terms.Total;
            using var kl = terms.Kl;
            using var rec = terms.Reconstruction;
            expected = total.to_type(ScalarType.Float64).mean().item<double>();
            expectedKl = kl.to_type(ScalarType.Float64).mean().item<double>(); // analytic: no noise in it
        }
        using var dark = images.narrow(0, 0, 30);
        using var bright = images.narrow(0, 30, 20);
        double gap = Math.Abs(Evaluator.Evaluate(model, dark, 30).Total - Evaluator.Evaluate(model, bright, 20).Total);
        Assert.True(gap > 20, $"the two halves differ by only {gap:F1} nats: the test could not tell weightings apart");
        // Batches draw their noise in other shapes, so the figures agree to the noise (≪ 1 nat), while a mean of batch
        // means or a first batch alone would be off by a sizeable fraction of the gap.
        var summary = Evaluator.Evaluate(model, images, batchSize);
        Assert.Equal(expected, summary.Total, 0.5);
        Assert.Equal(expectedKl, summary.Kl, 1e-3);
        Assert.Equal(summary.Total, summary.Reconstruction + summary.Kl, 1e-3); // float32 sums
    }

    [Fact]
    public void With_one_sample_the_importance_weighted_estimate_averages_to_the_ELBO()
    {
        // E_q[log p(x|z) + log p(z) − log q(z|x)] = ELBO exactly (the analytic KL is the expectation of the last two terms),
        // so over 400 images the k = 1 estimate and −(negative ELBO) agree closely; leaving out log p(z) shifts it by
        // E[−log p(z)] ≈ log 2π + E|z|²/2 for a 2-D latent, over a nat.
        using var images = Synthetic.Images(400, 4);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        double elbo = -Evaluator.Evaluate(model, images, 100).Total;
        double k1 = Evaluator.ImportanceWeightedLogLikelihood(model, images, k: 1, batchSize: 100);
        Assert.Equal(elbo, k1, 0.3);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)] // colour images: every image dimension of the expanded targets matters
    public void The_importance_weighted_estimate_is_the_log_mean_exp_of_the_log_weights_written_out_here(int channels)
    {
        // Direct computation with the evaluator's noise stream (one chunk of k draws [k, N, D] from a generator seeded
        // like the evaluator's): log w = log p(x|z) + log N(z; 0, I) − log N(z; μ, σ²), then log((1/k) Σ exp log w) in
        // double, averaged over images (Burda et al. 2015, eq. 8).
        const int n = 6, k = 50;
        using var train = Synthetic.Images(512 * channels, 1).reshape(512, channels, 28, 28);
        using var images = Synthetic.Images(n * channels, 4).reshape(n, channels, 28, 28);
        using var model = Trainer.CreateModel(Synthetic.SmallConv with { Channels = channels }, 3, torch.CPU);
        Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(train, null));
        double estimate = Evaluator.ImportanceWeightedLogLikelihood(model, images, k, batchSize: n, chunk: k);

        model.eval();
        double expected = 0;
        using (torch.inference_mode())
        using (var g = Devices.Generator(Evaluator.DefaultSeed, torch.CPU))
        using (var scope = torch.NewDisposeScope())
        {
            var posterior = model.Encode(images);                                                      // [N, D]
            long d = posterior.Mu.shape[1];
            var eps = torch.randn([k, n, d], posterior.Mu.dtype, torch.CPU, generator: g);              // [k, N, D]
            var z = posterior.Mu + torch.exp(0.5 * posterior.LogVar) * eps;                             // [k, N, D]
            var logits = model.Decode(z.reshape(k * n, d)).reshape(k, n, -1).to_type(ScalarType.Float64); // [k, N, P]
            var x = images.reshape(1, n, -1).to_type(ScalarType.Float64);                               // [1, N, P]
            var logPx = (x * logits - torch.nn.functional.softplus(logits)).sum(2);                     // Bernoulli: x·l − log(1 + e^l)
            var z64 = z.to_type(ScalarType.Float64);
            var eps64 = eps.to_type(ScalarType.Float64);
            double c = 0.5 * Math.Log(2 * Math.PI) * d;
            var logPz = -0.5 * z64.pow(2).sum(2) - c;                                                   // [k, N]
            var logQ = -0.5 * eps64.pow(2).sum(2) - 0.5 * posterior.LogVar.to_type(ScalarType.Float64).sum(1) - c; // [k, N]
            var logW = (logPx + logPz - logQ).data<double>().ToArray();                                // [k, N] row-major
            for (int i = 0; i < n; i++)
            {
                var column = Enumerable.Range(0, k).Select(j => logW[j * n + i]).ToArray();
                double m = column.Max();
                expected += m + Math.Log(column.Average(v => Math.Exp(v - m)));
            }
            expected /= n;
        }
        Assert.Equal(expected, estimate, 1e-2);
    }
}
