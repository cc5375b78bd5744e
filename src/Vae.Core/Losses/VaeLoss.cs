using TorchSharp;
using Vae.Core.Config;
using static TorchSharp.torch;

namespace Vae.Core.Losses;

/// <summary>
/// The VAE objective as pure functions of tensors (Kingma and Welling 2013, "Auto-Encoding Variational
/// Bayes", eq. 10 and App. B). Per-example functions return [B]; reductions are explicit.
/// Nothing here holds state, draws random numbers or does I/O.
/// </summary>
public static class VaeLoss
{
    static readonly double Log2Pi = Math.Log(2 * Math.PI);

    /// <summary>
    /// Bernoulli negative log-likelihood per example: −Σ_j [x_j log y_j + (1 − x_j) log(1 − y_j)] with
    /// y = sigmoid(logits), summed over all non-batch dimensions (BCE summed over pixels). Computed as
    /// the stable BCE-with-logits max(l, 0) − l·x + log(1 + e^−|l|), finite for logits of ±1e4.
    /// Targets are intensities in [0, 1] (not necessarily binary). Paper App. C.1.
    /// </summary>
    /// <param name="logits">[B, ...] decoder logits.</param>
    /// <param name="target">[B, ...] targets in [0, 1].</param>
    /// <returns>[B] nats.</returns>
    public static Tensor BernoulliNll(Tensor logits, Tensor target)
    {
        using var scope = torch.NewDisposeScope();
        var perPixel = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: nn.Reduction.None); // [B, ...]
        return scope.MoveToOuter(perPixel.flatten(1).sum(1)); // [B]
    }

    /// <summary>
    /// Gaussian negative log-likelihood per example: ½ Σ_j [log 2π + log σ²_j + (x_j − m_j)² / σ²_j],
    /// summed over all non-batch dimensions. Paper App. C.2.
    /// </summary>
    /// <param name="mean">[B, ...] decoder mean m.</param>
    /// <param name="target">[B, ...] observations x.</param>
    /// <param name="logVar">log σ², broadcastable to <paramref name="mean"/> (a scalar tensor for a fixed variance).</param>
    /// <returns>[B] nats.</returns>
    public static Tensor GaussianNll(Tensor mean, Tensor target, Tensor logVar)
    {
        using var scope = torch.NewDisposeScope();
        var perPixel = 0.5 * (Log2Pi + logVar + (target - mean).square() * torch.exp(-logVar)); // [B, ...]
        return scope.MoveToOuter(perPixel.flatten(1).sum(1)); // [B]
    }

    /// <summary>
    /// Analytic KL divergence from q = N(μ, diag σ²) to the prior N(0, I), per example:
    /// KL = −½ Σ_d (1 + log σ²_d − μ²_d − σ²_d). Paper App. B.
    /// </summary>
    /// <param name="mu">[B, D] posterior means.</param>
    /// <param name="logVar">[B, D] posterior log-variances.</param>
    /// <returns>[B] nats, ≥ 0.</returns>
    public static Tensor KlStandardNormal(Tensor mu, Tensor logVar)
    {
        using var scope = torch.NewDisposeScope();
        var perDim = -0.5 * (1 + logVar - mu.square() - torch.exp(logVar)); // [B, D]
        return scope.MoveToOuter(perDim.sum(1)); // [B]
    }

    /// <summary>
    /// Reconstruction negative log-likelihood per example for the configured likelihood:
    /// Bernoulli → <see cref="BernoulliNll"/>; Gaussian → <see cref="GaussianNll"/> with log σ² = 2 log
    /// <paramref name="gaussianStd"/>, or <paramref name="observationLogVar"/> when learned.
    /// </summary>
    /// <param name="likelihood">The observation model.</param>
    /// <param name="decoderOutput">[B, C, H, W] logits (Bernoulli) or mean (Gaussian).</param>
    /// <param name="target">[B, C, H, W].</param>
    /// <param name="gaussianStd">σ of the fixed-variance Gaussian.</param>
    /// <param name="observationLogVar">[C, H, W] learned log σ², required for the learned-variance Gaussian.</param>
    /// <returns>[B] nats.</returns>
    public static Tensor ReconstructionNll(Likelihood likelihood, Tensor decoderOutput, Tensor target, double gaussianStd, Tensor? observationLogVar)
    {
        switch (likelihood)
        {
            case Likelihood.Bernoulli:
                return BernoulliNll(decoderOutput, target);
            case Likelihood.Gaussian:
                using (var logVar = torch.tensor(2 * Math.Log(gaussianStd), decoderOutput.dtype, decoderOutput.device))
                    return GaussianNll(decoderOutput, target, logVar);
            default:
                return GaussianNll(decoderOutput, target, observationLogVar ?? throw new ArgumentNullException(nameof(observationLogVar), "the learned-variance Gaussian needs the observation log-variance"));
        }
    }

    /// <summary>Per-example negative ELBO: Total = Reconstruction + Kl, each [B] (paper eq. 10, with the sign flipped).</summary>
    /// <param name="reconstruction">[B] reconstruction NLL.</param>
    /// <param name="kl">[B] KL term.</param>
    public static ElboTerms NegativeElbo(Tensor reconstruction, Tensor kl) => new(reconstruction + kl, reconstruction, kl);

    /// <summary>Reduces per-example terms over the batch; the result holds scalar tensors.</summary>
    public static ElboTerms Reduce(ElboTerms perExample, Reduction reduction) => reduction switch
    {
        Reduction.Sum => new(perExample.Total.sum(), perExample.Reconstruction.sum(), perExample.Kl.sum()),
        _ => new(perExample.Total.mean(), perExample.Reconstruction.mean(), perExample.Kl.mean()),
    };

    /// <summary>log N(z; μ, diag σ²) summed over the last dimension: −½ Σ_d [log 2π + log σ²_d + (z_d − μ_d)²/σ²_d]. Shapes broadcast; result drops the last dimension.</summary>
    public static Tensor LogNormalDiagonal(Tensor z, Tensor mu, Tensor logVar)
    {
        using var scope = torch.NewDisposeScope();
        return scope.MoveToOuter((-0.5 * (Log2Pi + logVar + (z - mu).square() * torch.exp(-logVar))).sum(-1));
    }

    /// <summary>log N(z; 0, I) summed over the last dimension: −½ Σ_d [log 2π + z_d²].</summary>
    public static Tensor LogStandardNormal(Tensor z)
    {
        using var scope = torch.NewDisposeScope();
        return scope.MoveToOuter((-0.5 * (Log2Pi + z.square())).sum(-1));
    }

    /// <summary>
    /// Stable log-mean-exp along <paramref name="dim"/>: log (1/k) Σ_i e^{x_i} = m + log Σ_i e^{x_i − m} − log k,
    /// m = max_i x_i. Finite for any finite inputs, however large in magnitude.
    /// </summary>
    public static Tensor LogMeanExp(Tensor x, long dim)
    {
        using var scope = torch.NewDisposeScope();
        return scope.MoveToOuter(torch.logsumexp(x, dim) - Math.Log(x.shape[dim]));
    }

    /// <summary>
    /// The importance-weighted bound (Burda et al. 2015, eq. 8) from k log-weights per example:
    /// log p(x) ≥ L_k = log (1/k) Σ_i w_i, with log w_i = log p(x | z_i) + log p(z_i) − log q(z_i | x).
    /// With k = 1 it is the single-sample ELBO; L_k ≥ the mean of the log w_i (Jensen).
    /// </summary>
    /// <param name="logWeights">[K, B] log importance weights.</param>
    /// <returns>[B] the bound in nats (a log-likelihood, so usually negative).</returns>
    public static Tensor ImportanceWeightedBound(Tensor logWeights) => LogMeanExp(logWeights, 0);
}
