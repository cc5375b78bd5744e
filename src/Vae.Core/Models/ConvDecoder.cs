using TorchSharp;
using TorchSharp.Modules;
using Vae.Core.Config;
using static TorchSharp.torch;

namespace Vae.Core.Models;

/// <summary>
/// Convolutional decoder, built from <see cref="LayerPlan.Decoder"/>, the mirror of <see cref="ConvEncoder"/>: two fully connected ReLU layers
/// (D → hidden → C_L·H/2^L·W/2^L), then stride-2 4×4 transposed convolutions (each doubles H and W),
/// ReLU between them, none on the output; with <see cref="ModelConfig.ExtraConvsPerLevel"/> = K, K 3×3 ReLU
/// convolutions run before each transposed convolution. Returns [B, C, H, W] logits (or the Gaussian mean).
/// Given a generator, the hidden layer goes through <see cref="ModelConfig.DecoderDropout"/> (training only).
/// Parameter names: hidden.weight, project.weight, deconvs.{i}.weight, refines.{i·K + k}.weight (and biases).
/// </summary>
internal sealed class ConvDecoder : nn.Module<Tensor, Generator?, Tensor>
{
    private readonly Linear hidden;
    private readonly Linear project;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> deconvs;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> refines;
    private readonly int refinesPerLevel;
    private readonly double dropout;
    private readonly long[] startShape;

    /// <summary>Builds the decoder for a validated <paramref name="config"/>.</summary>
    public ConvDecoder(ModelConfig config) : base(nameof(ConvDecoder))
    {
        var plan = LayerPlan.Decoder(config);
        hidden = ModuleOf.Dense(plan, "decoder.hidden");
        project = ModuleOf.Dense(plan, "decoder.project");
        var first = plan.First(l => l.Kind != LayerKind.Linear);
        startShape = [first.In, first.InHeight, first.InWidth];
        deconvs = new ModuleList<nn.Module<Tensor, Tensor>>();
        refines = new ModuleList<nn.Module<Tensor, Tensor>>();
        foreach (var layer in plan.Where(l => l.Kind == LayerKind.ConvTranspose2d)) deconvs.Add(ModuleOf.Conv(layer));
        foreach (var layer in plan.Where(l => l.Kind == LayerKind.Conv2d)) refines.Add(ModuleOf.Conv(layer));
        refinesPerLevel = config.ExtraConvsPerLevel;
        dropout = config.DecoderDropout;
        RegisterComponents();
    }

    /// <summary>z [B, D] → [B, C, H, W]; dropout masks from <paramref name="dropoutNoise"/>, none when it is null.</summary>
    public override Tensor forward(Tensor z, Generator? dropoutNoise)
    {
        using var scope = torch.NewDisposeScope();
        var h = nn.functional.relu(hidden.call(z));                             // [B, hidden]
        h = Dropout.Apply(h, dropout, dropoutNoise);                             // [B, hidden]
        h = nn.functional.relu(project.call(h)).view([-1, .. startShape]);       // [B, C_L, H/2^L, W/2^L]
        for (int i = 0; i < deconvs.Count; i++)
        {
            for (int k = 0; k < refinesPerLevel; k++)
                h = nn.functional.relu(refines[i * refinesPerLevel + k].call(h));   // same shape
            h = deconvs[i].call(h);                                              // spatial size doubles
            if (i < deconvs.Count - 1) h = nn.functional.relu(h);
        }
        return scope.MoveToOuter(h);                                             // [B, C, H, W]
    }
}
