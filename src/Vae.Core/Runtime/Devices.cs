using TorchSharp;
using static TorchSharp.torch;

namespace Vae.Core.Runtime;

/// <summary>Turns the "auto | cpu | cuda" setting into a device.</summary>
public static class Devices
{
    /// <summary>auto → CUDA when available, else CPU; cpu → CPU; cuda → CUDA, or an error when none is available.</summary>
    /// <exception cref="ArgumentException">Unknown name, or CUDA asked for but unavailable.</exception>
    public static Device Resolve(string name) => name switch
    {
        "auto" => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
        "cpu" => torch.CPU,
        "cuda" when torch.cuda.is_available() => torch.CUDA,
        "cuda" => throw new ArgumentException("Device 'cuda' was requested but CUDA is not available (build with -p:TorchBackend=cuda-linux on a machine with an NVIDIA GPU)", "Device"),
        _ => throw new ArgumentException($"Device must be one of auto, cpu, cuda, got '{name}'", "Device"),
    };

    /// <summary>
    /// The generator for a run on <paramref name="device"/>, seeded with <paramref name="seed"/>: always a CPU generator,
    /// whatever the device. Every draw is made on the CPU and moved to the device of the tensors it meets, so a seed gives
    /// the same numbers on every device (and TorchSharp 0.107 cannot create CUDA generators).
    /// </summary>
    public static Generator Generator(long seed, Device device) => Vae.Core.Randomness.Noise.Generator(seed);
}
