using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Losses;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// The per-example terms that training optimises and evaluation reports (<see cref="Step.Terms"/>) are the loss
/// functions applied by hand to the model's outputs under the same noise: reconstruction from the decoder's output
/// and the input, KL from the posterior's μ and log σ², total their sum.
/// </summary>
public sealed class StepWiringTests
{
    [Theory]
    [InlineData(Likelihood.Bernoulli)]
    [InlineData(Likelihood.Gaussian)]
    [InlineData(Likelihood.GaussianLearnedVariance)]
    public void The_terms_are_the_loss_functions_of_the_models_outputs_under_the_same_noise(Likelihood likelihood)
    {
        var config = Synthetic.SmallConv with { Likelihood = likelihood, GaussianStd = 0.2 };
        using var model = Trainer.CreateModel(config, 4, torch.CPU);
        using var x = Synthetic.Images(6, 2);
        using var _ = torch.no_grad();
        Tensor recon, kl;
        using (var g = new Generator(17))
        {
            var output = model.call(x, g);
            recon = VaeLoss.ReconstructionNll(likelihood, output.Decoded, x, 0.2, model.ObservationLogVar); // [6]
            kl = VaeLoss.KlStandardNormal(output.Mu, output.LogVar);                                       // [6]
        }
        using var g2 = new Generator(17);
        var terms = Step.Terms(model, x, g2);
        Assert.Equal(recon.data<float>().ToArray(), terms.Reconstruction.data<float>().ToArray());
        Assert.Equal(kl.data<float>().ToArray(), terms.Kl.data<float>().ToArray());
        Assert.True(torch.allclose(recon + kl, terms.Total), "total is not reconstruction + KL");
        Assert.True(kl.min().item<float>() > 0, "an untrained posterior differs from the prior: KL > 0");
    }
}
