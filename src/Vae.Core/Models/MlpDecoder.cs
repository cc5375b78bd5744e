using TorchSharp;
using TorchSharp.Modules;
using Vae.Core.Config;
using static TorchSharp.torch;

namespace Vae.Core.Models;

/// <summary>
/// The paper's Bernoulli MLP decoder (Kingma and Welling 2013, App. C.1): h = tanh(W₂z + b₂),
/// logits = W₁h + b₁ (y = sigmoid(logits)). Parameter names: hidden, output (.weight/.bias).
/// </summary>
internal sealed class MlpDecoder : nn.Module<Tensor, Tensor>
{
    private readonly Linear hidden;
    private readonly Linear output;
    private readonly long[] imageShape;

    /// <summary>Builds the decoder for a validated <paramref name="config"/>.</summary>
    public MlpDecoder(ModelConfig config) : base(nameof(MlpDecoder))
    {
        imageShape = [config.Channels, config.Height, config.Width];
        hidden = nn.Linear(config.LatentDim, config.HiddenDim);
        output = nn.Linear(config.HiddenDim, config.Channels * config.Height * config.Width);
        RegisterComponents();
    }

    /// <summary>z [B, D] → [B, C, H, W] logits.</summary>
    public override Tensor forward(Tensor z)
    {
        using var scope = torch.NewDisposeScope();
        var h = torch.tanh(hidden.call(z));                              // [B, hidden]
        return scope.MoveToOuter(output.call(h).view([-1, .. imageShape])); // [B, C, H, W]
    }
}
