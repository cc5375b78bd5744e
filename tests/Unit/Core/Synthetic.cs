using TorchSharp;
using Vae.Core.Config;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

/// <summary>Small synthetic image sets: noisy copies of a few fixed blob prototypes, values in [0, 1].</summary>
internal static class Synthetic
{
    /// <summary>All parameters of <paramref name="model"/>, flattened in order (for exact comparisons of weights).</summary>
    public static float[] Weights(Vae.Core.Models.VariationalAutoencoder model) =>
        model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    public static ModelConfig SmallConv => new() { LatentDim = 2, ConvChannels = [4, 8], HiddenDim = 32 };

    public static TrainingConfig Fast(int epochs) => new() { Epochs = epochs, BatchSize = 64, LearningRate = 3e-3, Seed = 3 };

    /// <summary>The placement of these tests: on the CPU, with the checkpoint in <paramref name="checkpointDir"/> (none when null).</summary>
    public static Placement On(string? checkpointDir) => new() { Device = "cpu", CheckpointDir = checkpointDir };

    /// <summary><paramref name="options"/> (or the defaults) placed on the CPU with the checkpoint in <paramref name="checkpointDir"/>.</summary>
    public static Vae.Core.Training.TrainingOptions At(string? checkpointDir, Vae.Core.Training.TrainingOptions? options = null) =>
        (options ?? new()) with { Placement = On(checkpointDir) };

    /// <summary>[n, 1, 28, 28] images: noisy copies of 4 fixed prototypes (the same for every call), sampled with seed <paramref name="seed"/>.</summary>
    public static Tensor Images(int n, long seed)
    {
        using var prototypes = new Generator(12345);
        using var g = new Generator((ulong)seed);
        using var scope = torch.NewDisposeScope();
        var protos = (torch.rand([4, 1, 7, 7], generator: prototypes) > 0.6f).to_type(ScalarType.Float32);
        protos = nn.functional.interpolate(protos, [28, 28]);                          // [4, 1, 28, 28]
        var pick = torch.randint(0, 4, [n], generator: g);                              // [n]
        var noise = 0.1f * torch.rand([n, 1, 28, 28], generator: g);
        var images = (protos.index_select(0, pick) * 0.85f + noise).clamp(0, 1);       // [n, 1, 28, 28]
        return scope.MoveToOuter(images);
    }
}
