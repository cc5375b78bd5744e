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
    /// <summary>One row per weight layer of the model's <see cref="LayerPlan"/>, with its forward MACs.</summary>
    public static IReadOnlyList<LayerCost> Layers(ModelConfig c) =>
        LayerPlan.Of(c).Select(l => new LayerCost(l.Name, l.Kind.ToString(), Describe(l), l.Macs)).ToList();

    static string Describe(PlannedLayer l) => l.Kind switch
    {
        LayerKind.Linear => $"{l.In}→{l.Out}",
        LayerKind.Conv2d => $"{l.In}→{l.Out}, {l.Kernel}×{l.Kernel}/{l.Stride}, out {l.OutHeight}×{l.OutWidth}",
        _ => $"{l.In}→{l.Out}, {l.Kernel}×{l.Kernel}/{l.Stride}, in {l.InHeight}×{l.InWidth}",
    };

    /// <summary>Training FLOPs per example: 3 × 2 × forward MACs.</summary>
    public static double TrainingFlopsPerExample(ModelConfig c) => 6.0 * LayerPlan.ForwardMacs(c);
}
