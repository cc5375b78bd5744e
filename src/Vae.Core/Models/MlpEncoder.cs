using TorchSharp;
using TorchSharp.Modules;
using Vae.Core.Config;
using static TorchSharp.torch;

namespace Vae.Core.Models;

/// <summary>
/// The paper's Gaussian MLP encoder (Kingma and Welling 2013, App. C.2): h = tanh(W₃x + b₃),
/// μ = W₄h + b₄, log σ² = W₅h + b₅. Parameter names: hidden, mu, logvar (.weight/.bias).
/// </summary>
internal sealed class MlpEncoder : nn.Module<Tensor, Posterior>
{
    private readonly Linear hidden;
    private readonly Linear mu;
    private readonly Linear logvar;

    /// <summary>Builds the encoder for a validated <paramref name="config"/>.</summary>
    public MlpEncoder(ModelConfig config) : base(nameof(MlpEncoder))
    {
        var plan = LayerPlan.Encoder(config);
        hidden = ModuleOf.Dense(plan, "encoder.hidden");
        mu = ModuleOf.Dense(plan, "encoder.mu");
        logvar = ModuleOf.Dense(plan, "encoder.logvar");
        RegisterComponents();
    }

    /// <summary>x [B, C, H, W] → q(z | x) with μ, log σ² [B, D].</summary>
    public override Posterior forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = torch.tanh(hidden.call(x.flatten(1)));          // [B, hidden]
        var result = new Posterior(mu.call(h), logvar.call(h)); // [B, D] each
        scope.MoveToOuter(result.Mu, result.LogVar);
        return result;
    }
}
