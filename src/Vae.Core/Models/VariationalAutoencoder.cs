using TorchSharp;
using TorchSharp.Modules;
using Vae.Core.Config;
using static TorchSharp.torch;
using Vae.Core.Randomness;

namespace Vae.Core.Models;

/// <summary>
/// A VAE composed of an encoder q(z | x) and a decoder p(x | z) chosen by <see cref="ModelConfig.Architecture"/>.
/// The forward pass draws z = μ + σ ⊙ ε with ε ~ N(0, I) from the given generator (reparameterisation,
/// Kingma and Welling 2013, §2.4); in training mode with <see cref="ModelConfig.DecoderDropout"/> &gt; 0 the
/// decoder's dropout masks come from the same generator, after ε. Parameter names: encoder.*, decoder.*, and
/// obs_logvar [C, H, W] for the learned-variance Gaussian likelihood.
/// </summary>
public sealed class VariationalAutoencoder : nn.Module<Tensor, Generator, VaeOutput>
{
    private readonly nn.Module<Tensor, Posterior> encoder;
    private readonly nn.Module<Tensor, Generator?, Tensor> decoder;
    private readonly Parameter? obs_logvar;

    /// <summary>Builds and initialises a model from <paramref name="config"/> with weights drawn from <paramref name="generator"/>.</summary>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public VariationalAutoencoder(ModelConfig config, Generator generator) : base(nameof(VariationalAutoencoder))
    {
        Config = ConfigValidator.Validate(config);
        (encoder, decoder) = config.Architecture switch
        {
            Architecture.Conv => ((nn.Module<Tensor, Posterior>)new ConvEncoder(config), (nn.Module<Tensor, Generator?, Tensor>)new ConvDecoder(config)),
            _ => (new MlpEncoder(config), new MlpDecoder(config)),
        };
        if (config.Likelihood == Likelihood.GaussianLearnedVariance)
            obs_logvar = new Parameter(torch.zeros(config.Channels, config.Height, config.Width));
        RegisterComponents();
        if (config.Architecture == Architecture.Mlp) ParameterInit.Normal(this, config.MlpInitStd, generator);
        else ParameterInit.PyTorchDefault(this, generator);
    }

    /// <summary>The validated configuration.</summary>
    public ModelConfig Config { get; }

    /// <summary>The learned per-pixel observation log-variance [C, H, W], or null for other likelihoods.</summary>
    public Tensor? ObservationLogVar => obs_logvar;

    /// <summary>Number of trainable scalars.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>x [B, C, H, W] → q(z | x).</summary>
    public Posterior Encode(Tensor x) => encoder.call(x);

    /// <summary>z [B, D] → decoder output [B, C, H, W] (logits or Gaussian mean), without dropout.</summary>
    public Tensor Decode(Tensor z) => decoder.call(z, null);

    /// <summary>z = μ + exp(½ log σ²) ⊙ ε, ε ~ N(0, I) drawn from the CPU <paramref name="generator"/> and moved to μ's device; [B, D].</summary>
    public static Tensor Reparameterize(Tensor mu, Tensor logVar, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var eps = Noise.Normal(mu.shape, generator, mu.device, mu.dtype); // [B, D], drawn on the CPU
        return scope.MoveToOuter(mu + torch.exp(0.5 * logVar) * eps);
    }

    /// <summary>Encodes, samples z with <paramref name="generator"/>, decodes (with dropout in training mode, masks from the same generator).</summary>
    public override VaeOutput forward(Tensor x, Generator generator)
    {
        var posterior = Encode(x);
        var z = Reparameterize(posterior.Mu, posterior.LogVar, generator);
        var dropoutNoise = training ? generator : null;   // Dropout.Apply draws nothing when the rate is 0
        return new VaeOutput(decoder.call(z, dropoutNoise), posterior.Mu, posterior.LogVar, z);
    }
}
