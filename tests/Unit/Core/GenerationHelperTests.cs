using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Training;
using Xunit;

namespace Vae.Tests.Unit.Core;

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

    [Theory]
    [InlineData(7)]    // 7 does not divide 20: the last batch holds 6
    [InlineData(500)]  // one batch
    public void Latent_means_are_the_encoders_means_of_every_image_in_order_for_any_batch_size(int batchSize)
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 5, torch.CPU);
        using var images = Synthetic.Images(20, 8);
        using var means = Generation.LatentMeans(model, images, batchSize); // [20, 2]
        using var _ = torch.inference_mode();
        using var expected = model.Encode(images).Mu;                      // [20, 2], one pass
        Assert.Equal(new long[] { 20, 2 }, means.shape);
        Assert.True(torch.allclose(expected, means, rtol: 1e-5, atol: 1e-6), "latent means differ from one encoder pass");
    }

    [Fact]
    public void The_manifold_needs_a_two_dimensional_latent_and_interpolation_two_steps()
    {
        using var wide = Trainer.CreateModel(Synthetic.SmallConv with { LatentDim = 3 }, 5, torch.CPU);
        var manifold = Assert.Throws<ArgumentException>(() => Generation.Manifold(wide, 4, torch.CPU));
        Assert.StartsWith("the manifold needs LatentDim 2, got 3", manifold.Message);

        using var model = Trainer.CreateModel(Synthetic.SmallConv, 5, torch.CPU);
        using var images = Synthetic.Images(2, 8);
        var steps = Assert.Throws<ArgumentOutOfRangeException>(() => Generation.Interpolate(model, images[0], images[1], 1));
        Assert.StartsWith("steps must be ≥ 2, got 1", steps.Message);
    }
}
