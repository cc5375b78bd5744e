using TorchSharp;
using TorchSharp.Modules;
using Vae.Core.Config;
using static TorchSharp.torch;

namespace Vae.Core.Models;

/// <summary>
/// Convolutional decoder, the mirror of <see cref="ConvEncoder"/>: two fully connected ReLU layers
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
        int layers = config.ConvChannels.Count, factor = 1 << layers;
        startShape = [config.ConvChannels[^1], config.Height / factor, config.Width / factor];
        hidden = nn.Linear(config.LatentDim, config.HiddenDim);
        project = nn.Linear(config.HiddenDim, startShape[0] * startShape[1] * startShape[2]);
        deconvs = new ModuleList<nn.Module<Tensor, Tensor>>();
        refines = new ModuleList<nn.Module<Tensor, Tensor>>();
        refinesPerLevel = config.ExtraConvsPerLevel;
        dropout = config.DecoderDropout;
        for (int i = layers - 1; i >= 0; i--)
        {
            long outChannels = i == 0 ? config.Channels : config.ConvChannels[i - 1];
            for (int k = 0; k < refinesPerLevel; k++)
                refines.Add(nn.Conv2d(config.ConvChannels[i], config.ConvChannels[i], kernel_size: 3, stride: 1, padding: 1));
            deconvs.Add(nn.ConvTranspose2d(config.ConvChannels[i], outChannels, kernel_size: 4, stride: 2, padding: 1));
        }
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
