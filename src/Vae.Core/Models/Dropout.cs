using TorchSharp;
using static TorchSharp.torch;
using Vae.Core.Randomness;

namespace Vae.Core.Models;

/// <summary>Inverted dropout with its mask drawn from an explicit generator (TorchSharp's nn.Dropout draws from the global one).</summary>
internal static class Dropout
{
    /// <summary>
    /// h ⊙ m / (1 − p) with m ~ Bernoulli(1 − p) elementwise from <paramref name="generator"/>: E[output] = h.
    /// With <paramref name="generator"/> null or p = 0, <paramref name="h"/> itself and no draw.
    /// </summary>
    public static Tensor Apply(Tensor h, double p, Generator? generator)
    {
        if (generator is null || p == 0) return h;
        using var scope = torch.NewDisposeScope();
        var keep = Noise.Uniform(h.shape, generator, h.device, h.dtype).ge_(p);   // [B, hidden], true with probability 1 − p
        return scope.MoveToOuter(h * keep.to_type(h.dtype) / (1 - p));
    }
}
