using TorchSharp;
using static TorchSharp.torch;

namespace Vae.Core.Randomness;

/// <summary>
/// Every random draw of the libraries and the CLI, in one place, with one rule for every device: the draw is made on the
/// CPU from the run's CPU generator and the result is moved to the device of the tensors it meets. TorchSharp 0.107
/// cannot create CUDA generators (its native <c>THSGenerator_new</c> ignores the device), and a CPU generator passed to a
/// draw on a CUDA tensor throws; with this rule a CUDA run draws exactly the CPU run's noise, seeds and exact resume mean
/// the same on every device, and the cost is one host-to-device copy per draw (a few KB for ε). On the CPU each draw is
/// the same call as before, so CPU results are unchanged.
/// </summary>
public static class Noise
{
    /// <summary>ε ~ N(0, I) of <paramref name="shape"/>, on <paramref name="device"/>.</summary>
    public static Tensor Normal(long[] shape, Generator generator, Device device, ScalarType dtype = ScalarType.Float32) =>
        MovedTo(torch.randn(shape, dtype, torch.CPU, generator: generator), device);

    /// <summary>u ~ U[0, 1) of <paramref name="shape"/>, on <paramref name="device"/>.</summary>
    public static Tensor Uniform(long[] shape, Generator generator, Device device, ScalarType dtype = ScalarType.Float32) =>
        MovedTo(torch.rand(shape, dtype, torch.CPU, generator: generator), device);

    /// <summary>x ~ Bernoulli(<paramref name="probabilities"/>) elementwise, on the probabilities' device.</summary>
    public static Tensor Bernoulli(Tensor probabilities, Generator generator)
    {
        if (probabilities.device.type == DeviceType.CPU) return torch.bernoulli(probabilities, generator);
        using var host = probabilities.cpu();
        return MovedTo(torch.bernoulli(host, generator), probabilities.device);
    }

    /// <summary>A random permutation of 0 … <paramref name="count"/> − 1 (int64), on <paramref name="device"/>.</summary>
    public static Tensor Permutation(long count, Generator generator, Device device) =>
        MovedTo(torch.randperm(count, generator: generator), device);

    /// <summary>A draw made on the CPU, where <paramref name="device"/> wants it: itself on the CPU, else a copy (the draw disposed).</summary>
    static Tensor MovedTo(Tensor draw, Device device)
    {
        if (device.type == DeviceType.CPU) return draw;
        using (draw) return draw.to(device);
    }

    /// <summary>A generator for these draws, seeded with <paramref name="seed"/>: always on the CPU.</summary>
    public static Generator Generator(long seed) => new((ulong)seed, torch.CPU);
}
