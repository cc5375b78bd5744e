using Vae.Core.Config;

namespace Vae.Experiments.Bench;

/// <summary>One layer's forward multiply-accumulates per example.</summary>
/// <param name="Name">Parameter-name prefix, e.g. encoder.convs.0.</param>
/// <param name="Kind">Conv2d, ConvTranspose2d or Linear.</param>
/// <param name="Shape">A readable description of the layer's sizes.</param>
/// <param name="Macs">Multiply-accumulates per example, forward pass.</param>
internal sealed record LayerCost(string Name, string Kind, string Shape, long Macs);

/// <summary>
/// FLOPs of a model computed from its config: forward MACs per layer (Conv2d: C_out·C_in·k²·H_out·W_out;
/// ConvTranspose2d: C_in·C_out·k²·H_in·W_in; Linear: in·out), FLOPs = 2·MACs, and a training step
/// counted as 3× the forward pass (backward ≈ 2× forward: gradients for inputs and for weights).
/// Element-wise work (activations, loss, optimizer) is left out: it is not matrix work.
/// </summary>
internal static class FlopCount
{
    public static IReadOnlyList<LayerCost> Layers(ModelConfig c)
    {
        var layers = new List<LayerCost>();
        long pixels = (long)c.Channels * c.Height * c.Width;
        if (c.Architecture == Architecture.Mlp)
        {
            layers.Add(new("encoder.hidden", "Linear", $"{pixels}→{c.HiddenDim}", pixels * c.HiddenDim));
            layers.Add(new("encoder.mu+logvar", "Linear", $"2×({c.HiddenDim}→{c.LatentDim})", 2L * c.HiddenDim * c.LatentDim));
            layers.Add(new("decoder.hidden", "Linear", $"{c.LatentDim}→{c.HiddenDim}", (long)c.LatentDim * c.HiddenDim));
            layers.Add(new("decoder.output", "Linear", $"{c.HiddenDim}→{pixels}", c.HiddenDim * pixels));
            return layers;
        }
        long h = c.Height, w = c.Width, channels = c.Channels;
        for (int i = 0; i < c.ConvChannels.Count; i++)
        {
            h /= 2; w /= 2;
            int index = i * (1 + c.ExtraConvsPerLevel);
            layers.Add(new($"encoder.convs.{index}", "Conv2d", $"{channels}→{c.ConvChannels[i]}, 4×4/2, out {h}×{w}", c.ConvChannels[i] * channels * 16 * h * w));
            channels = c.ConvChannels[i];
            for (int k = 1; k <= c.ExtraConvsPerLevel; k++)
                layers.Add(new($"encoder.convs.{index + k}", "Conv2d", $"{channels}→{channels}, 3×3/1, out {h}×{w}", channels * channels * 9 * h * w));
        }
        long flat = channels * h * w;
        layers.Add(new("encoder.hidden", "Linear", $"{flat}→{c.HiddenDim}", flat * c.HiddenDim));
        layers.Add(new("encoder.mu+logvar", "Linear", $"2×({c.HiddenDim}→{c.LatentDim})", 2L * c.HiddenDim * c.LatentDim));
        layers.Add(new("decoder.hidden", "Linear", $"{c.LatentDim}→{c.HiddenDim}", (long)c.LatentDim * c.HiddenDim));
        layers.Add(new("decoder.project", "Linear", $"{c.HiddenDim}→{flat}", c.HiddenDim * flat));
        for (int i = c.ConvChannels.Count - 1, j = 0; i >= 0; i--, j++)
        {
            long outChannels = i == 0 ? c.Channels : c.ConvChannels[i - 1];
            long inChannels = c.ConvChannels[i];
            for (int k = 0; k < c.ExtraConvsPerLevel; k++)
                layers.Add(new($"decoder.refines.{j * c.ExtraConvsPerLevel + k}", "Conv2d", $"{inChannels}→{inChannels}, 3×3/1, out {h}×{w}", inChannels * inChannels * 9 * h * w));
            layers.Add(new($"decoder.deconvs.{j}", "ConvTranspose2d", $"{c.ConvChannels[i]}→{outChannels}, 4×4/2, in {h}×{w}", c.ConvChannels[i] * outChannels * 16 * h * w));
            h *= 2; w *= 2;
        }
        return layers;
    }

    /// <summary>Training FLOPs per example: 3 × 2 × forward MACs.</summary>
    public static double TrainingFlopsPerExample(ModelConfig c) => 6.0 * Layers(c).Sum(l => l.Macs);
}
