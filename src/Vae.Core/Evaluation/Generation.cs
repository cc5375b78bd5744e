using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Models;
using static TorchSharp.torch;
using Vae.Core.Randomness;

namespace Vae.Core.Evaluation;

/// <summary>Generation and inspection: samples from the prior, reconstructions, latent means, the 2-D manifold, interpolations. All in eval mode under inference mode (no autograd graph).</summary>
public static class Generation
{
    /// <summary>Decoder output → image in [0, 1]: sigmoid of Bernoulli logits, or the Gaussian mean clamped.</summary>
    public static Tensor ToImage(VariationalAutoencoder model, Tensor decoderOutput) =>
        model.Config.Likelihood == Likelihood.Bernoulli ? torch.sigmoid(decoderOutput) : decoderOutput.clamp(0, 1);

    /// <summary><paramref name="count"/> images decoded from z ~ N(0, I) drawn from <paramref name="generator"/>; [count, C, H, W] in [0, 1].</summary>
    public static Tensor SamplePrior(VariationalAutoencoder model, int count, Generator generator, Device device)
    {
        model.eval();
        using var _ = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var z = Noise.Normal([count, model.Config.LatentDim], generator, device); // [count, D]
        return scope.MoveToOuter(ToImage(model, model.Decode(z)));                                  // [count, C, H, W]
    }

    /// <summary>Reconstructions decoded from the posterior means (deterministic); [B, C, H, W] in [0, 1].</summary>
    public static Tensor Reconstruct(VariationalAutoencoder model, Tensor images)
    {
        model.eval();
        using var _ = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        return scope.MoveToOuter(ToImage(model, model.Decode(model.Encode(images).Mu)));
    }

    /// <summary>Posterior means μ of every image, batch by batch; [N, D] on the CPU.</summary>
    public static Tensor LatentMeans(VariationalAutoencoder model, Tensor images, int batchSize = 500)
    {
        model.eval();
        using var _ = torch.inference_mode();
        var parts = new List<Tensor>();
        for (long start = 0; start < images.shape[0]; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var mu = model.Encode(images.narrow(0, start, Math.Min(batchSize, images.shape[0] - start))).Mu.cpu(); // [B, D]
            parts.Add(scope.MoveToOuter(mu));
        }
        var all = torch.cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        return all;
    }

    /// <summary>
    /// The learned 2-D manifold (paper Fig. 4): a <paramref name="side"/>×<paramref name="side"/> grid of latent
    /// points z = Φ⁻¹(u) for u evenly spaced in (0, 1), decoded; [side², C, H, W] in [0, 1], row by row
    /// (top row = largest z₂). Only for 2-D latents.
    /// </summary>
    public static Tensor Manifold(VariationalAutoencoder model, int side, Device device)
    {
        if (model.Config.LatentDim != 2) throw new ArgumentException($"the manifold needs LatentDim 2, got {model.Config.LatentDim}", nameof(model));
        model.eval();
        using var _ = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var u = torch.linspace(0.5 / side, 1 - 0.5 / side, side, device: device); // [side] in (0, 1)
        var g = torch.special.ndtri(u);                                           // Φ⁻¹(u)
        var z1 = g.repeat(side);                                                  // columns: z₁ increases left to right
        var z2 = g.flip(0).repeat_interleave(side);                               // rows: z₂ decreases top to bottom
        var z = torch.stack([z1, z2], 1);                                         // [side², 2]
        return scope.MoveToOuter(ToImage(model, model.Decode(z)));
    }

    /// <summary>Decodes <paramref name="steps"/> points on the line between the posterior means of two images; [steps, C, H, W].</summary>
    public static Tensor Interpolate(VariationalAutoencoder model, Tensor first, Tensor second, int steps)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), $"steps must be ≥ 2, got {steps}");
        model.eval();
        using var _ = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var a = model.Encode(first.unsqueeze(0)).Mu;                 // [1, D]
        var b = model.Encode(second.unsqueeze(0)).Mu;                // [1, D]
        var t = torch.linspace(0, 1, steps, device: a.device).unsqueeze(1); // [steps, 1]
        return scope.MoveToOuter(ToImage(model, model.Decode(a + t * (b - a))));
    }
}
