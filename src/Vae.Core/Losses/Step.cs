using TorchSharp;
using Vae.Core.Models;
using static TorchSharp.torch;

namespace Vae.Core.Losses;

/// <summary>The per-example loss of one batch, shared by training and evaluation so both weigh terms identically.</summary>
public static class Step
{
    /// <summary>Forward pass with noise from <paramref name="generator"/>, then per-example negative ELBO terms ([B] each).</summary>
    public static ElboTerms Terms(VariationalAutoencoder model, Tensor x, Generator generator)
    {
        var output = model.call(x, generator);
        var recon = VaeLoss.ReconstructionNll(model.Config.Likelihood, output.Decoded, x, model.Config.GaussianStd, model.ObservationLogVar);
        var kl = VaeLoss.KlStandardNormal(output.Mu, output.LogVar);
        return VaeLoss.NegativeElbo(recon, kl);
    }
}
