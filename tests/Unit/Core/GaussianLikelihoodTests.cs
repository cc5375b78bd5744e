using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Losses;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

/// <summary>The Gaussian likelihoods against their closed form, computed here in double precision.</summary>
public sealed class GaussianLikelihoodTests
{
    /// <summary>−log N(x; m, σ²) summed over pixels, per example: ½ Σ [log 2π + log σ² + (x − m)² / σ²].</summary>
    static double[] ClosedForm(float[] x, float[] m, Func<int, double> logVarOfPixel, int b, int p) =>
        Enumerable.Range(0, b).Select(i => Enumerable.Range(0, p).Sum(j =>
        {
            double lv = logVarOfPixel(j), d = x[i * p + j] - (double)m[i * p + j];
            return 0.5 * (Math.Log(2 * Math.PI) + lv + d * d / Math.Exp(lv));
        })).ToArray();

    [Fact]
    public void The_fixed_variance_Gaussian_is_the_closed_form_with_log_variance_two_log_sigma()
    {
        using var g = new Generator(7);
        using var x = torch.rand([3, 1, 4, 4], generator: g);
        using var m = torch.rand([3, 1, 4, 4], generator: g);
        using var nll = VaeLoss.ReconstructionNll(Likelihood.Gaussian, m, x, 0.1, null);
        var expected = ClosedForm(x.data<float>().ToArray(), m.data<float>().ToArray(), _ => 2 * Math.Log(0.1), 3, 16);
        var actual = nll.data<float>().ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], actual[i], Math.Abs(expected[i]) * 1e-5);
    }

    [Fact]
    public void The_learned_variance_Gaussian_uses_each_pixels_own_log_variance()
    {
        using var g = new Generator(8);
        using var x = torch.rand([2, 1, 3, 3], generator: g);
        using var m = torch.rand([2, 1, 3, 3], generator: g);
        using var logVar = torch.linspace(-3, 1, 9).reshape(1, 3, 3);   // [C, H, W], a different variance per pixel
        using var nll = VaeLoss.ReconstructionNll(Likelihood.GaussianLearnedVariance, m, x, 0.1, logVar);
        var lv = logVar.data<float>().ToArray();
        var expected = ClosedForm(x.data<float>().ToArray(), m.data<float>().ToArray(), j => lv[j], 2, 9);
        var actual = nll.data<float>().ToArray();
        for (int i = 0; i < 2; i++) Assert.Equal(expected[i], actual[i], Math.Abs(expected[i]) * 1e-5);
    }

    [Fact]
    public void The_learned_variance_Gaussian_without_its_log_variance_is_an_argument_error()
    {
        using var output = torch.zeros(2, 4);
        using var target = torch.zeros(2, 4);
        var e = Assert.Throws<ArgumentNullException>(() => VaeLoss.ReconstructionNll(Likelihood.GaussianLearnedVariance, output, target, 0.1, null));
        Assert.Equal("observationLogVar", e.ParamName);
        Assert.StartsWith("the learned-variance Gaussian needs the observation log-variance", e.Message);
    }
}
