using TorchSharp;
using TorchSharp.Modules;
using Vae.Core.Config;
using static TorchSharp.torch;

namespace Vae.Core.Models;

/// <summary>
/// The paper's Bernoulli MLP decoder (Kingma and Welling 2013, App. C.1): h = tanh(W₂z + b₂),
/// logits = W₁h + b₁ (y = sigmoid(logits)). Parameter names: hidden, output (.weight/.bias).
/// Given a generator, h goes through <see cref="ModelConfig.DecoderDropout"/> (training only).
/// </summary>
internal sealed class MlpDecoder : nn.Module<Tensor, Generator?, Tensor>
{
    private readonly Linear hidden;
    private readonly Linear output;
    private readonly long[] imageShape;
    private readonly double dropout;

    /// <summary>Builds the decoder for a validated <paramref name="config"/>.</summary>
    public MlpDecoder(ModelConfig config) : base(nameof(MlpDecoder))
    {
        imageShape = [config.Channels, config.Height, config.Width];
        dropout = config.DecoderDropout;
        var plan = LayerPlan.Decoder(config);
        hidden = ModuleOf.Dense(plan, "decoder.hidden");
        output = ModuleOf.Dense(plan, "decoder.output");
        RegisterComponents();
    }

    /// <summary>z [B, D] → [B, C, H, W] logits; dropout masks from <paramref name="dropoutNoise"/>, none when it is null.</summary>
    public override Tensor forward(Tensor z, Generator? dropoutNoise)
    {
        using var scope = torch.NewDisposeScope();
        var h = torch.tanh(hidden.call(z));                              // [B, hidden]
        h = Dropout.Apply(h, dropout, dropoutNoise);                      // [B, hidden]
        return scope.MoveToOuter(output.call(h).view([-1, .. imageShape])); // [B, C, H, W]
    }
}
