using TorchSharp;
using Vae.Core.Losses;
using Vae.Core.Models;
using Vae.Core.Metrics;
using Vae.Core.Runtime;
using static TorchSharp.torch;
using Vae.Core.Randomness;

namespace Vae.Core.Evaluation;

/// <summary>Progress of a long evaluation.</summary>
/// <param name="Done">Images finished.</param>
/// <param name="Total">Images in all.</param>
public sealed record EvaluationProgress(int Done, int Total);

/// <summary>
/// Metrics of a model on given images (to score a trained model on a test set by the rule, use <see cref="EvaluationSet"/>). Always in eval mode and under inference mode (no autograd graph, no view or version tracking); noise comes from a
/// generator seeded by the caller, so the same model, data and seed give bit-identical numbers.
/// </summary>
public static class Evaluator
{
    /// <summary>The seed used for evaluation noise when the caller has no reason to choose another.</summary>
    public const long DefaultSeed = 20131220;

    /// <summary>Examples per forward pass of an evaluation unless told otherwise (the value every result used).</summary>
    public const int DefaultBatchSize = 500;

    /// <summary>
    /// A fixed binarisation of <paramref name="images"/> [N, C, H, W] in [0, 1]: x ~ Bernoulli(intensity), drawn from a
    /// generator seeded with <paramref name="seed"/>; <see cref="EvaluationSet.For"/> decides when it applies.
    /// </summary>
    internal static Tensor BinarizeFixed(Tensor images, long seed)
    {
        using var generator = Devices.Generator(seed, images.device);
        return Noise.Bernoulli(images, generator); // {0, 1} [N, C, H, W]
    }

    /// <summary>Mean per-example negative ELBO (single-sample reconstruction term, analytic KL) over <paramref name="images"/>.</summary>
    /// <param name="model">The model; left in eval mode.</param>
    /// <param name="images">[N, C, H, W] targets.</param>
    /// <param name="batchSize">Examples per forward pass.</param>
    /// <param name="seed">Seed of the noise generator.</param>
    public static LossSummary Evaluate(VariationalAutoencoder model, Tensor images, int batchSize = DefaultBatchSize, long seed = DefaultSeed)
    {
        model.eval();
        using var _ = torch.inference_mode();
        using var generator = Devices.Generator(seed, images.device);
        double total = 0, recon = 0, kl = 0;
        long n = images.shape[0];
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var x = images.narrow(0, start, Math.Min(batchSize, n - start)); // [B, C, H, W]
            var terms = Step.Terms(model, x, generator);
            total += terms.Total.sum().item<float>();
            recon += terms.Reconstruction.sum().item<float>();
            kl += terms.Kl.sum().item<float>();
        }
        return new LossSummary(total / n, recon / n, kl / n);
    }

    /// <summary>
    /// Importance-weighted estimate of log p(x) per image (Burda et al. 2015) with <paramref name="k"/> samples
    /// from q(z | x), processed <paramref name="chunk"/> samples at a time with a running log-sum-exp so memory
    /// stays bounded for any k. Returns the mean over images (in nats; the NLL is its negation).
    /// </summary>
    /// <param name="model">The model; left in eval mode.</param>
    /// <param name="images">[N, C, H, W] targets.</param>
    /// <param name="k">Importance samples per image.</param>
    /// <param name="batchSize">Images per pass.</param>
    /// <param name="chunk">Samples per pass (memory ∝ batchSize · chunk · C·H·W).</param>
    /// <param name="seed">Seed of the noise generator.</param>
    /// <param name="progress">Receives progress after each batch of images.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public static double ImportanceWeightedLogLikelihood(VariationalAutoencoder model, Tensor images, int k, int batchSize = 10,
        int chunk = 100, long seed = DefaultSeed, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"k must be ≥ 1, got {k}");
        if (chunk < 1) throw new ArgumentOutOfRangeException(nameof(chunk), $"chunk must be ≥ 1, got {chunk}");
        model.eval();
        using var _ = torch.inference_mode();
        using var generator = Devices.Generator(seed, images.device);
        long n = images.shape[0];
        double sum = 0;
        for (long start = 0; start < n; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var x = images.narrow(0, start, Math.Min(batchSize, n - start)); // [B, C, H, W]
            long b = x.shape[0];
            var posterior = model.Encode(x);                                   // μ, log σ² [B, D]
            Tensor? runningLse = null;                                         // [B]
            for (int done = 0; done < k; done += chunk)
            {
                using var inner = torch.NewDisposeScope();
                int kc = Math.Min(chunk, k - done);
                var eps = Noise.Normal([kc, b, posterior.Mu.shape[1]], generator, x.device, posterior.Mu.dtype); // [kc, B, D]
                var z = posterior.Mu + torch.exp(0.5 * posterior.LogVar) * eps;                                               // [kc, B, D]
                var output = model.Decode(z.reshape(kc * b, -1));                                                             // [kc·B, C, H, W]
                var target = x.unsqueeze(0).expand(kc, -1, -1, -1, -1).reshape(output.shape);                                 // [kc·B, C, H, W]
                var logPx = -VaeLoss.ReconstructionNll(model.Config.Likelihood, output, target, model.Config.GaussianStd, model.ObservationLogVar).view(kc, b); // [kc, B]
                var logW = logPx + VaeLoss.LogStandardNormal(z) - VaeLoss.LogNormalDiagonal(z, posterior.Mu, posterior.LogVar); // [kc, B]
                var lse = torch.logsumexp(logW, 0);                                                                           // [B]
                var next = runningLse is null ? lse : torch.logaddexp(runningLse, lse);
                runningLse = inner.MoveToOuter(next);
            }
            sum += (runningLse! - Math.Log(k)).to_type(ScalarType.Float64).sum().item<double>(); // [B] → Σ in double
            progress?.Report(new EvaluationProgress((int)Math.Min(n, start + b), (int)n));
        }
        return sum / n;
    }
}
