using static TorchSharp.torch;

namespace Vae.Core.Models;

/// <summary>The parameters of the Gaussian posterior q(z | x) = N(μ, diag σ²).</summary>
/// <param name="Mu">μ, [B, D].</param>
/// <param name="LogVar">log σ², [B, D].</param>
public sealed record Posterior(Tensor Mu, Tensor LogVar);

/// <summary>The result of a VAE forward pass.</summary>
/// <param name="Logits">Decoder output for the sampled z, [B, C, H, W]: Bernoulli logits, or the Gaussian mean.</param>
/// <param name="Mu">Posterior mean μ, [B, D].</param>
/// <param name="LogVar">Posterior log-variance log σ², [B, D].</param>
/// <param name="Z">The reparameterised sample z = μ + σ ⊙ ε, [B, D].</param>
public sealed record VaeOutput(Tensor Logits, Tensor Mu, Tensor LogVar, Tensor Z);
