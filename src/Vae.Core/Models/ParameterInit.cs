using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vae.Core.Models;

/// <summary>
/// Seeded parameter initialisation: module constructors use libtorch's global RNG, so models re-initialise
/// from a generator. Uses Tensor.uniform_/normal_ (which honour the generator), not nn.init (libtorch's
/// nn::init functions take no generator, so TorchSharp 0.107 drops it).
/// </summary>
internal static class ParameterInit
{
    /// <summary>PyTorch's default for Linear and Conv layers: weight and bias ~ U(±1/√fan_in).</summary>
    public static void PyTorchDefault(nn.Module module, Generator generator)
    {
        using var _ = torch.no_grad();
        foreach (var m in module.modules())
        {
            (Tensor? w, Tensor? b, long fanIn) = m switch
            {
                Linear l => (l.weight, l.bias, l.weight!.shape[1]),
                Conv2d c => (c.weight, c.bias, c.weight!.shape[1] * c.weight.shape[2] * c.weight.shape[3]),
                ConvTranspose2d t => (t.weight, t.bias, t.weight!.shape[1] * t.weight.shape[2] * t.weight.shape[3]),
                _ => ((Tensor?)null, (Tensor?)null, 0L),
            };
            if (w is null) continue;
            double bound = 1.0 / Math.Sqrt(fanIn);
            w.uniform_(-bound, bound, generator);
            b?.uniform_(-bound, bound, generator);
        }
    }

    /// <summary>Every weight and bias of Linear layers ~ N(0, std²) (Kingma and Welling 2013, App. C).</summary>
    public static void Normal(nn.Module module, double std, Generator generator)
    {
        using var _ = torch.no_grad();
        foreach (var m in module.modules())
        {
            if (m is not Linear l) continue;
            l.weight!.normal_(0, std, generator);
            l.bias?.normal_(0, std, generator);
        }
    }
}
