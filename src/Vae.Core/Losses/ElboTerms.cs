using static TorchSharp.torch;

namespace Vae.Core.Losses;

/// <summary>How per-example values are combined into one number.</summary>
public enum Reduction
{
    /// <summary>Mean over the batch (the per-example figure reported in results).</summary>
    Mean,
    /// <summary>Sum over the batch.</summary>
    Sum,
}

/// <summary>The negative ELBO and its two parts, per example ([B] each) or reduced (scalars).</summary>
/// <param name="Total">−ELBO = Reconstruction + Kl, in nats.</param>
/// <param name="Reconstruction">−E_q[log p(x | z)], single-sample estimate, in nats.</param>
/// <param name="Kl">KL(q(z | x) ‖ p(z)), analytic, in nats.</param>
public sealed record ElboTerms(Tensor Total, Tensor Reconstruction, Tensor Kl);
