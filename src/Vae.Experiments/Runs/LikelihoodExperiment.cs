using System.Diagnostics;
using System.Text.Json;
using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Training;
using Vae.Experiments.Figures;
using TorchSharp;
using static TorchSharp.torch;
using Vae.Core.Runtime;
using Vae.Experiments.Terminal;
using Vae.Core.Files;

namespace Vae.Experiments.Runs;

/// <summary>A published test negative log-likelihood on binarised MNIST.</summary>
/// <param name="Nll">Nats per test image.</param>
/// <param name="Source">Paper or benchmark, model and number of importance samples.</param>
internal sealed record PublishedNll(double Nll, string Source);

/// <summary>metrics.json of one likelihood run.</summary>
/// <param name="Run">Run name (folder).</param>
/// <param name="ImportanceSamples">k of the importance-weighted estimate.</param>
/// <param name="TestNll">−(1/N) Σ log p̂_k(x) over the binarised test set, nats.</param>
/// <param name="TestNegativeElbo">Single-sample negative ELBO on the same images.</param>
/// <param name="TestBinarizationSeed">Seed of the fixed test-set binarisation.</param>
/// <param name="EstimateSeconds">Wall time of the importance-weighted estimate.</param>
/// <param name="Training">The training run: model, protocol, lower-bound curve, commit, timing. The weights are in checkpoint/ beside
/// metrics.json; <c>vae evaluate --checkpoint DIR --iw-samples k</c> binarises the test set the same way.</param>
internal sealed record LikelihoodMetrics(string Run, int ImportanceSamples, double TestNll, double TestNegativeElbo,
    long TestBinarizationSeed, double EstimateSeconds, PaperRunMetrics Training);

/// <summary>
/// Test log-likelihood comparable with the literature: MNIST with dynamic binarisation of the training images
/// (re-sampled as Bernoulli(intensity) each time they are seen), a fixed, seeded binarisation of the test set, and
/// the importance-weighted estimate log p(x) ≈ log (1/k) Σ p(x, zᵢ) / q(zᵢ | x) (Burda et al. 2015) with k samples.
/// Runs our CNN and the paper's MLP at the same latent size and budget.
/// </summary>
internal static class LikelihoodExperiment
{
    /// <summary>Latent size of both models.</summary>
    public const int Latent = 32;

    /// <summary>Training examples evaluated per run (about 33 epochs of MNIST).</summary>
    public const long Budget = 2_000_000;

    /// <summary>Importance samples per test image.</summary>
    public const int K = 1000;

    /// <summary>Seed of the fixed binarisation of the test set (<see cref="EvaluationSet"/>; the training subset whose bound is recorded uses the next one).</summary>
    public const long BinarizationSeed = EvaluationSet.BinarizationSeed;

    /// <summary>Published figures to compare with.</summary>
    public static IReadOnlyList<PublishedNll> Published { get; } =
    [
        new(86.76, "Burda et al. 2015 (IWAE paper), VAE with one stochastic layer, k = 5000"),
        new(89.78, "Pythae benchmark (Chadebec et al. 2022), VAE, 200 importance samples"),
    ];

    /// <summary>Our CNN (one extra 3×3 convolution per level, cosine-decayed Adam) and the paper's MLP (Adagrad, step chosen as in Fig. 2).</summary>
    public static IReadOnlyList<PaperModel> Models { get; } =
    [
        new("nll-conv", "our CNN (Adam, cosine decay, batch 128)", Entries.Conv28Deep,
            Entries.CosineProtocol("mnist") with { Epochs = 100_000, Binarization = Binarization.Dynamic }, false),
        new("nll-paper-mlp", "paper MLP (Adagrad, batch 100)", ModelConfig.PaperMlp,
            PaperExperiment.Models[0].Training with { Binarization = Binarization.Dynamic }, true),
    ];

    /// <summary>Trains each model (skipping those with a metrics.json unless forced), estimates its NLL and writes results/paper/&lt;run&gt;/metrics.json.</summary>
    public static IReadOnlyList<LikelihoodMetrics> Run(ReproduceOptions o, Action<string> log, CancellationToken ct)
    {
        var device = Devices.Resolve(o.Device);
        var (train, test) = Reproducer.LoadSplits("mnist", o, device, log);
        using var trainOwned = train;
        using var testOwned = test;
        using var testSet = EvaluationSet.For(test.Images, Binarization.Dynamic);                          // {0, 1} [M, 1, 28, 28]
        using var trainSet = EvaluationSet.For(train.Images.narrow(0, 0, Math.Min(o.Quick ? 500 : 10_000, train.Count)), Binarization.Dynamic, BinarizationSeed + 1); // {0, 1} [10000, 1, 28, 28]
        long budget = o.Quick ? Reproducer.QuickTrain : Budget;
        int k = o.Quick ? 50 : K;
        var points = PaperExperiment.LogPoints(budget / 300, budget, o.Quick ? 4 : 8);
        var all = new List<LikelihoodMetrics>();
        foreach (var family in Models)
        {
            ct.ThrowIfCancellationRequested();
            string name = $"{family.Name}-z{Latent}";
            string file = Path.Combine(o.ResultsDir, "paper", name, "metrics.json");
            if (!o.Force && File.Exists(file))
            {
                log($"paper: {name} already done ({file}); pass --force to retrain");
                all.Add(JsonSerializer.Deserialize<LikelihoodMetrics>(File.ReadAllText(file), ConfigJson.Options)!);
                continue;
            }
            double ll = double.NaN, elbo = double.NaN, seconds = 0;
            var training = PaperExperiment.RunOne(name, family, Latent, budget, o.Quick ? Reproducer.QuickTrain / 2 : PaperExperiment.SelectionBudget,
                points, train, testSet.Images, trainSet.Images, device, o.Quick, log, ct, runDir: Path.Combine(o.RunsDir, "paper", name), trained: (model, protocol) =>
                {
                    Checkpoint.Save(Path.Combine(o.ResultsDir, "paper", name, "checkpoint"), model, null, null, protocol, []);
                    elbo = testSet.Score(model).Total;
                    var watch = Stopwatch.StartNew();
                    ll = testSet.LogLikelihood(model, k, new EstimateProgress($"paper: {name}: ", k, log), ct);
                    seconds = watch.Elapsed.TotalSeconds;
                });
            var metrics = new LikelihoodMetrics(name, k, -ll, elbo, BinarizationSeed, seconds, training);
            log($"paper: {name}: test NLL {-ll:F2} nats (k = {k}), negative ELBO {elbo:F2}, {seconds:F0} s for the estimate");
            AtomicFile.WriteText(file, ConfigJson.Serialize(metrics));
            all.Add(metrics);
        }
        return all;
    }
}
