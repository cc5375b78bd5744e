using static TorchSharp.torch;

namespace Vae.Core.Models;

/// <summary>The parameters of the Gaussian posterior q(z | x) = N(μ, diag σ²).</summary>
/// <param name="Mu">μ, [B, D].</param>
/// <param name="LogVar">log σ², [B, D].</param>
public sealed record Posterior(Tensor Mu, Tensor LogVar);

/// <summary>The result of a VAE forward pass.</summary>
/// <param name="Decoded">The decoder's output for the sampled z, [B, C, H, W]: what parameterises p(x | z) under
/// <see cref="Config.ModelConfig.Likelihood"/>: Bernoulli logits, or the Gaussian mean (fixed or learned variance).</param>
/// <param name="Mu">Posterior mean μ, [B, D].</param>
/// <param name="LogVar">Posterior log-variance log σ², [B, D].</param>
/// <param name="Z">The reparameterised sample z = μ + σ ⊙ ε, [B, D].</param>
public sealed record VaeOutput(Tensor Decoded, Tensor Mu, Tensor LogVar, Tensor Z);
