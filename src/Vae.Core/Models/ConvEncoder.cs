using TorchSharp;
using TorchSharp.Modules;
using Vae.Core.Config;
using static TorchSharp.torch;

namespace Vae.Core.Models;

/// <summary>
/// Convolutional encoder, built from <see cref="LayerPlan.Encoder"/>: stride-2 4×4 convolutions with ReLU (each halves H
/// and W), each followed by <see cref="ModelConfig.ExtraConvsPerLevel"/> 3×3 stride-1 ReLU convolutions, one fully
/// connected ReLU hidden layer, then linear heads for μ and log σ².
/// Parameter names: convs.{i}.weight, hidden.weight, mu.weight, logvar.weight (and biases).
/// </summary>
internal sealed class ConvEncoder : nn.Module<Tensor, Posterior>
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> convs;
    private readonly Linear hidden;
    private readonly Linear mu;
    private readonly Linear logvar;

    /// <summary>Builds the encoder for a validated <paramref name="config"/>.</summary>
    public ConvEncoder(ModelConfig config) : base(nameof(ConvEncoder))
    {
        var plan = LayerPlan.Encoder(config);
        convs = new ModuleList<nn.Module<Tensor, Tensor>>();
        foreach (var layer in plan.Where(l => l.Kind == LayerKind.Conv2d)) convs.Add(ModuleOf.Conv(layer));
        hidden = ModuleOf.Dense(plan, "encoder.hidden");
        mu = ModuleOf.Dense(plan, "encoder.mu");
        logvar = ModuleOf.Dense(plan, "encoder.logvar");
        RegisterComponents();
    }

    /// <summary>x [B, C, H, W] → q(z | x) with μ, log σ² [B, D].</summary>
    public override Posterior forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = x;
        foreach (var conv in convs) h = nn.functional.relu(conv.call(h)); // [B, C_i, H/2^i, W/2^i] at level i
        h = nn.functional.relu(hidden.call(h.flatten(1)));                // [B, hidden]
        var result = new Posterior(mu.call(h), logvar.call(h));           // [B, D] each
        scope.MoveToOuter(result.Mu, result.LogVar);
        return result;
    }
}
