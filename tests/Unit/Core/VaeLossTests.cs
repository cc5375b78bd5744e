using TorchSharp;
using Vae.Core.Losses;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

public sealed class VaeLossTests
{
    [Fact]
    public void Kl_matches_the_hand_computed_closed_form()
    {
        // μ = (1, −2), log σ² = (0, ln 4): KL = ½[(1 + 1 − 1 − 0) + (4 + 4 − 1 − ln 4)] = ½(1 + 7 − ln 4) = 3.306853
        using var kl = VaeLoss.KlStandardNormal(torch.tensor(new float[] { 1, -2 }).view(1, 2), torch.tensor(new float[] { 0, (float)Math.Log(4) }).view(1, 2));
        Assert.Equal(0.5 * (8 - Math.Log(4)), kl.item<float>(), 5);
    }

    [Fact]
    public void Bernoulli_nll_matches_the_hand_computed_binary_cross_entropy()
    {
        // logits 0 and ln 3 (p = 0.5 and 0.75), targets 1 and 0.2:
        // −ln 0.5 + −(0.2 ln 0.75 + 0.8 ln 0.25) = 0.693147 + 0.057536 + 1.109035 = 1.859718
        using var nll = VaeLoss.BernoulliNll(torch.tensor(new float[] { 0, (float)Math.Log(3) }).view(1, 1, 1, 2), torch.tensor(new float[] { 1, 0.2f }).view(1, 1, 1, 2));
        Assert.Equal(1.859718, nll.item<float>(), 5);
    }

    [Fact]
    public void Bernoulli_nll_sums_over_pixels_not_over_the_batch()
    {
        using var logits = torch.zeros(3, 1, 2, 2);
        using var nll = VaeLoss.BernoulliNll(logits, torch.ones(3, 1, 2, 2));
        Assert.Equal(new long[] { 3 }, nll.shape);
        Assert.All(nll.data<float>().ToArray(), v => Assert.Equal(4 * Math.Log(2), v, 5));
    }

    [Fact]
    public void Gaussian_nll_matches_the_normal_density()
    {
        // x = 1, m = 0, σ² = 1: ½(ln 2π + 1) = 1.418939 (the negative log of the standard normal density at 1).
        using var nll = VaeLoss.GaussianNll(torch.zeros(1, 1), torch.ones(1, 1), torch.tensor(0f));
        Assert.Equal(1.418939, nll.item<float>(), 5);
    }

    [Fact]
    public void Log_mean_exp_is_stable_for_huge_inputs()
    {
        using var x = torch.tensor(new float[] { 1000, 1000, -1000 }).view(3, 1);
        using var lme = VaeLoss.LogMeanExp(x, 0);
        Assert.Equal(1000 + Math.Log(2.0 / 3.0), lme.item<float>(), 3);
    }

    [Fact]
    public void Reduction_is_explicit_mean_or_sum()
    {
        using var recon = torch.tensor(new float[] { 1, 3 });
        using var kl = torch.tensor(new float[] { 2, 4 });
        var terms = VaeLoss.NegativeElbo(recon, kl);
        Assert.Equal(5f, VaeLoss.Reduce(terms, Reduction.Mean).Total.item<float>());
        Assert.Equal(10f, VaeLoss.Reduce(terms, Reduction.Sum).Total.item<float>());
    }
}
