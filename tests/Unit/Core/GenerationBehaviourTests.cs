using TorchSharp;
using Vae.Core.Evaluation;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

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
