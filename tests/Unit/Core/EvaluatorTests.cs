using TorchSharp;
using Vae.Core.Evaluation;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

public sealed class EvaluatorTests
{
    [Fact]
    public void The_importance_weighted_estimate_is_finite_and_not_below_the_ELBO()
    {
        using var train = Synthetic.Images(512, 1);
        using var test = Synthetic.Images(32, 2);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(train, null));
        double elbo = -Evaluator.Evaluate(model, test, 32).Total;
        double iw = Evaluator.ImportanceWeightedLogLikelihood(model, test, k: 200, batchSize: 16, chunk: 64);
        Assert.True(double.IsFinite(iw));
        // L_k ≥ L_1 in expectation (Burda et al. 2015, Thm. 1); 1 nat of slack covers the single-sample noise of the ELBO.
        Assert.True(iw >= elbo - 1.0, $"IW {iw:F2} vs ELBO {elbo:F2}");
    }

    [Fact]
    public void The_fixed_binarisation_is_binary_reproducible_and_prefix_consistent()
    {
        using var images = Synthetic.Images(64, 5);
        using var a = Evaluator.BinarizeFixed(images, EvaluationSet.BinarizationSeed);
        using var b = Evaluator.BinarizeFixed(images, EvaluationSet.BinarizationSeed);
        using var prefix = Evaluator.BinarizeFixed(images.narrow(0, 0, 16), EvaluationSet.BinarizationSeed);
        using var other = Evaluator.BinarizeFixed(images, EvaluationSet.BinarizationSeed + 1);
        Assert.True(((a == 0) | (a == 1)).all().item<bool>(), "values other than 0 and 1");
        Assert.True(a.allclose(b, 0, 0), "same seed, different draws");
        // evaluate --limit N binarises the full test set and takes its first N images; the NLL runs binarise the set they hold.
        Assert.True(prefix.allclose(a.narrow(0, 0, 16), 0, 0), "the first 16 images are binarised differently on their own");
        Assert.False(other.allclose(a, 0, 0), "another seed gives the same draws");
        // Each pixel is 1 with probability equal to its intensity: over 64·784 pixels the means agree closely.
        Assert.Equal(images.mean().item<float>(), a.mean().item<float>(), 2);
    }

    [Fact]
    public void The_importance_weighted_estimate_does_not_depend_on_the_chunk_size()
    {
        using var test = Synthetic.Images(8, 2);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        double whole = Evaluator.ImportanceWeightedLogLikelihood(model, test, k: 60, batchSize: 8, chunk: 60);
        double chunked = Evaluator.ImportanceWeightedLogLikelihood(model, test, k: 60, batchSize: 8, chunk: 7);
        // Same generator stream, drawn in different chunk shapes: equal up to float32 rounding of the log-sum-exp.
        Assert.Equal(whole, chunked, 2);
    }

    [Fact]
    public void Generation_helpers_return_images_in_0_to_1_with_the_input_shape()
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        using var g = new Generator(1);
        using var x = Synthetic.Images(4, 1);
        using var samples = Generation.SamplePrior(model, 5, g, torch.CPU);
        using var recon = Generation.Reconstruct(model, x);
        using var manifold = Generation.Manifold(model, 3, torch.CPU);
        using var path = Generation.Interpolate(model, x[0], x[1], 6);
        Assert.Equal(new long[] { 5, 1, 28, 28 }, samples.shape);
        Assert.Equal(x.shape, recon.shape);
        Assert.Equal(new long[] { 9, 1, 28, 28 }, manifold.shape);
        Assert.Equal(new long[] { 6, 1, 28, 28 }, path.shape);
        foreach (var t in new[] { samples, recon, manifold, path })
            Assert.True(t.min().item<float>() >= 0 && t.max().item<float>() <= 1);
    }

    [Fact]
    public void The_importance_weighted_estimate_needs_at_least_one_sample_and_a_chunk_of_at_least_one()
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 5, torch.CPU);
        using var images = Synthetic.Images(2, 8);
        var k = Assert.Throws<ArgumentOutOfRangeException>(() => Evaluator.ImportanceWeightedLogLikelihood(model, images, 0));
        Assert.StartsWith("k must be ≥ 1, got 0", k.Message);
        var chunk = Assert.Throws<ArgumentOutOfRangeException>(() => Evaluator.ImportanceWeightedLogLikelihood(model, images, 5, chunk: 0));
        Assert.StartsWith("chunk must be ≥ 1, got 0", chunk.Message);
    }
}
