using Vae.Core.Config;

namespace Vae.Experiments.Runs;

/// <summary>A published figure to compare with: per-test-image totals in nats.</summary>
/// <param name="Total">Reconstruction + KL.</param>
/// <param name="Reconstruction">BCE summed over pixels.</param>
/// <param name="Kl">Analytic KL.</param>
/// <param name="Source">Where the figure comes from.</param>
internal sealed record Reference(double Total, double Reconstruction, double Kl, string Source);

/// <summary>One row of the results table: what is trained, how, and what it is compared with. Defined once, here.</summary>
/// <param name="Name">Entry name used on the command line and as the results folder.</param>
/// <param name="Model">The model.</param>
/// <param name="Training">The training protocol (Seed is replaced per seed).</param>
/// <param name="Reference">The figure to reproduce, or null.</param>
/// <param name="Seeds">Default number of seeds.</param>
/// <param name="Headline">Seed 1's weights are committed in results/&lt;entry&gt;/checkpoint: only for the best latent-2 row per
/// dataset (with the two NLL runs of the paper group, about 25 MB of weights); other entries keep metrics.json and figures,
/// so that the tracked tree stays under 40 MB. Each of them is retrained by `vae reproduce ENTRY`, deterministically on CPU.</param>
internal sealed record Entry(string Name, ModelConfig Model, TrainingConfig Training, Reference? Reference, int Seeds, bool Headline = false);

/// <summary>The experiment table.</summary>
internal static class Entries
{
    const string SeedSource = "the seed project's table (convolutional VAE, Adam, batch 128)";

    /// <summary>The seed table's MNIST row, compared at latent 2 (its KL of 8.76 nats is what a 2-D latent gives).</summary>
    static readonly Reference MnistZ2 = new(132.39, 123.63, 8.76, SeedSource);

    /// <summary>The seed table's Fashion-MNIST row, compared at latent 2.</summary>
    static readonly Reference FashionZ2 = new(254.21, 247.38, 6.83, SeedSource);

    /// <summary>The convolutional model for 1×28×28 inputs: channels 32, 64; hidden 256 (keeps a checkpoint under 10 MB).</summary>
    public static ModelConfig Conv28(int latent) => new() { LatentDim = latent, ConvChannels = [32, 64], HiddenDim = 256 };

    /// <summary>The protocol shared by the MNIST and Fashion-MNIST entries: Adam 1e-3, batch 128, 30 epochs.</summary>
    public static TrainingConfig Protocol(string dataset) => new() { Dataset = dataset, Epochs = 30, BatchSize = 128, LearningRate = 1e-3 };

    /// <summary>
    /// Our stronger model for the latent-2 reference rows: <see cref="Conv28"/> with one extra 3×3 convolution per
    /// resolution level in encoder and decoder (92k more parameters, about 1.5× the compute).
    /// </summary>
    public static ModelConfig Conv28Deep(int latent) => Conv28(latent) with { ExtraConvsPerLevel = 1 };

    /// <summary>The seed's protocol with the step size decayed to 0 by a per-step cosine (Loshchilov and Hutter, 2017).</summary>
    public static TrainingConfig CosineProtocol(string dataset) => Protocol(dataset) with { Schedule = LearningRateSchedule.Cosine };

    /// <summary><see cref="CosineProtocol"/> stretched to 60 epochs: the cosine decay spans twice as many steps.</summary>
    public static TrainingConfig LongProtocol(string dataset) => CosineProtocol(dataset) with { Epochs = 60 };

    /// <summary>
    /// <see cref="CosineProtocol"/> with twice the peak step size (2e-3) reached by a linear warm-up over the first 500 steps:
    /// the winner of the MNIST latent-2 screens (docs/experiments.md), 5.8 nats below the deep row at epoch 10.
    /// </summary>
    public static TrainingConfig WarmupProtocol(string dataset) => CosineProtocol(dataset) with { LearningRate = 2e-3, WarmupSteps = 500 };

    /// <summary>All entries, in table order.</summary>
    public static IReadOnlyList<Entry> All { get; } =
    [
        new("mnist-z2", Conv28(2), Protocol("mnist"), MnistZ2, 3),
        new("fashion-mnist-z2", Conv28(2), Protocol("fashion-mnist"), FashionZ2, 3),
        new("mnist-z2-deep", Conv28Deep(2), CosineProtocol("mnist"), MnistZ2, 3),
        new("fashion-mnist-z2-deep", Conv28Deep(2), CosineProtocol("fashion-mnist"), FashionZ2, 3),
        new("fashion-mnist-z2-long", Conv28Deep(2), LongProtocol("fashion-mnist"), FashionZ2, 3, Headline: true),
        new("mnist-z2-long", Conv28Deep(2), LongProtocol("mnist"), MnistZ2, 3),
        new("mnist-z2-warmup", Conv28Deep(2), WarmupProtocol("mnist"), MnistZ2, 3, Headline: true),
        // Not a headline: its hidden-1024 model's weights (about 40 MB) exceed the 10 MB a tracked file may have.
        new("svhn-z200", ModelConfig.ConvRgb32(200), Protocol("svhn"), new(1908.62, 1888.50, 20.12, SeedSource), 3),
        new("mnist-z16", Conv28(16), Protocol("mnist"), null, 1),
        new("mnist-z100", Conv28(100), Protocol("mnist"), null, 1),
        new("mnist-z200", Conv28(200), Protocol("mnist"), null, 1),
        new("fashion-mnist-z16", Conv28(16), Protocol("fashion-mnist"), null, 1),
        new("fashion-mnist-z100", Conv28(100), Protocol("fashion-mnist"), null, 1),
        new("fashion-mnist-z200", Conv28(200), Protocol("fashion-mnist"), null, 1),
    ];

    /// <summary>Named groups: seed (the three reference rows), deep (the latent-2 rows with our stronger model and schedule), long (the same for 60 epochs), push (the MNIST latent-2 push: warm-up to a higher step size), latents (sample grids across latent sizes), all (every entry whose data can be had here, i.e. all but SVHN, in table order).</summary>
    public static IReadOnlyDictionary<string, string[]> Groups { get; } = new Dictionary<string, string[]>
    {
        ["seed"] = ["mnist-z2", "fashion-mnist-z2", "svhn-z200"],
        ["deep"] = ["mnist-z2-deep", "fashion-mnist-z2-deep"],
        ["long"] = ["fashion-mnist-z2-long", "mnist-z2-long"],
        ["push"] = ["mnist-z2-warmup"],
        ["latents"] = ["mnist-z16", "mnist-z100", "mnist-z200", "fashion-mnist-z16", "fashion-mnist-z100", "fashion-mnist-z200"],
        ["all"] = All.Where(e => e.Training.Dataset != "svhn").Select(e => e.Name).ToArray(),
    };

    /// <summary>Expands entry and group names; throws <see cref="ArgumentException"/> naming the valid ones.</summary>
    public static IReadOnlyList<Entry> Resolve(IEnumerable<string> names)
    {
        var result = new List<Entry>();
        foreach (string name in names)
        {
            var found = Groups.TryGetValue(name, out var members) ? members : [name];
            foreach (string member in found)
            {
                var entry = All.FirstOrDefault(e => e.Name == member)
                    ?? throw new ArgumentException($"unknown entry '{name}'; valid: {string.Join(", ", All.Select(e => e.Name).Concat(Groups.Keys))}, paper");
                if (!result.Contains(entry)) result.Add(entry);
            }
        }
        return result;
    }
}
