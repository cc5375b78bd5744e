using TorchSharp;
using Vae.Core.Randomness;
using Xunit;
using Vae.Core.Runtime;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// The one noise rule: draws come from the run's CPU generator. On the CPU each draw is the plain TorchSharp call, so
/// results (and the committed histories) are unchanged; Devices.Generator is a CPU generator whatever the device asked for.
/// </summary>
public sealed class NoiseTests
{
    [Fact]
    public void On_the_cpu_each_draw_equals_the_plain_torch_call_with_the_same_seed()
    {
        using var a = new torch.Generator(5);
        using var b = new torch.Generator(5);
        using var n1 = Noise.Normal([3, 4], a, torch.CPU);
        using var n2 = torch.randn([3, 4], generator: b);
        Assert.Equal(n2.data<float>().ToArray(), n1.data<float>().ToArray());
        using var u1 = Noise.Uniform([7], a, torch.CPU);
        using var u2 = torch.rand([7], generator: b);
        Assert.Equal(u2.data<float>().ToArray(), u1.data<float>().ToArray());
        using var p = torch.full([50], 0.5f);
        using var x1 = Noise.Bernoulli(p, a);
        using var x2 = torch.bernoulli(p, b);
        Assert.Equal(x2.data<float>().ToArray(), x1.data<float>().ToArray());
        using var q1 = Noise.Permutation(20, a, torch.CPU);
        using var q2 = torch.randperm(20, generator: b);
        Assert.Equal(q2.data<long>().ToArray(), q1.data<long>().ToArray());
    }

    [Fact]
    public void The_generator_of_a_run_lives_on_the_cpu_whatever_the_device()
    {
        using var g = Vae.Core.Runtime.Devices.Generator(3, new torch.Device("cuda"));
        using var reference = new torch.Generator(3);
        using var s1 = g.get_state();
        using var s2 = reference.get_state();
        Assert.Equal(s2.data<byte>().ToArray(), s1.data<byte>().ToArray()); // the state of a CPU generator seeded with 3
        using var draw = Noise.Normal([2], g, torch.CPU);                     // usable for CPU draws, which CUDA draws are made of
        Assert.Equal(torch.CPU.type, draw.device.type);
    }
}
