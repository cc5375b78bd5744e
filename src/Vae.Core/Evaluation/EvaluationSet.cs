using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Metrics;
using Vae.Core.Models;
using static TorchSharp.torch;

namespace Vae.Core.Evaluation;

/// <summary>
/// The one evaluation rule: which images a model is scored on, and how. A model trained on intensities
/// (<see cref="Binarization.None"/>) is scored on the images as given; a model trained with
/// <see cref="Binarization.Dynamic"/> is scored on one fixed binarisation of them, x ~ Bernoulli(intensity) drawn with
/// <see cref="BinarizationSeed"/>, so every run and every tool sees the same binary test set (Burda et al. 2015 and the
/// NLL literature score binarised MNIST so). Scores use <see cref="Evaluator.DefaultBatchSize"/> images a pass and the
/// noise seed <see cref="Evaluator.DefaultSeed"/>. The trainer's test line after each epoch, <c>vae evaluate</c>,
/// <c>reproduce</c>, the likelihood experiment, <c>doctor</c>, the explorer and the F# face all score through this class,
/// so they agree on one checkpoint to the last printed digit.
/// </summary>
/// <remarks>Owns its images (a binarised copy, or a second handle to the given tensor): dispose it when done.</remarks>
public sealed class EvaluationSet : IDisposable
{
    /// <summary>Seed of the fixed binarisation of a test set for models trained with <see cref="Binarization.Dynamic"/>.</summary>
    public const long BinarizationSeed = 2015;

    EvaluationSet(Tensor images, bool binarized) => (Images, Binarized) = (images, binarized);

    /// <summary>The images scored: [N, C, H, W], in [0, 1] or {0, 1}.</summary>
    public Tensor Images { get; }

    /// <summary>Whether <see cref="Images"/> are the fixed binarisation of the images given.</summary>
    public bool Binarized { get; }

    /// <summary>Number of images scored.</summary>
    public long Count => Images.shape[0];

    /// <summary>
    /// The images a model trained under <paramref name="binarization"/> is scored on, made from <paramref name="images"/>
    /// [N, C, H, W] in [0, 1] (which stay the caller's). For a prefix of a binarised set, make the whole set and
    /// <see cref="Take"/> from it, so the prefix keeps the whole set's draws.
    /// </summary>
    /// <param name="images">The test images, on any device.</param>
    /// <param name="binarization">How the model was trained (<see cref="TrainingConfig.Binarization"/>).</param>
    /// <param name="seed">Seed of the binarisation; another seed only for a second, disjoint set (the likelihood experiment's training subset).</param>
    public static EvaluationSet For(Tensor images, Binarization binarization, long seed = BinarizationSeed) =>
        binarization == Binarization.Dynamic
            ? new EvaluationSet(Evaluator.BinarizeFixed(images, seed), binarized: true) // {0, 1} [N, C, H, W]
            : new EvaluationSet(images.alias(), binarized: false);

    /// <summary>The first <paramref name="count"/> images of this set (a view with the same draws), as a set of its own.</summary>
    public EvaluationSet Take(long count) => new(Images.narrow(0, 0, Math.Min(count, Count)), Binarized);

    /// <summary>This set on <paramref name="device"/> (the same draws, copied).</summary>
    public EvaluationSet To(Device device) => new(Images.to(device), Binarized);

    /// <summary>Mean per-example negative ELBO of <paramref name="model"/> on this set, by the rule (batch and noise seed fixed).</summary>
    public LossSummary Score(VariationalAutoencoder model) => Evaluator.Evaluate(model, Images, Evaluator.DefaultBatchSize, Evaluator.DefaultSeed);

    /// <summary>Importance-weighted estimate of the mean log p(x) on this set with <paramref name="k"/> samples (see <see cref="Evaluator.ImportanceWeightedLogLikelihood"/>).</summary>
    public double LogLikelihood(VariationalAutoencoder model, int k, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Evaluator.ImportanceWeightedLogLikelihood(model, Images, k, progress: progress, cancellationToken: cancellationToken);

    /// <summary>Releases this set's handle on its images.</summary>
    public void Dispose() => Images.Dispose();
}
