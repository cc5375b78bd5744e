using System.Runtime.InteropServices;
using TorchSharp;
using Vae.Experiments.Cli;
using Vae.Experiments.Doctor;
using Vae.Tests.Unit.Cli;
using Xunit;

namespace Vae.Tests.Unit.Doctor;

/// <summary>`vae doctor`: the comparison's arithmetic, the CPU-against-CPU run CI can do, and one line for native errors.</summary>
[Collection("console")]
public sealed class DoctorTests
{
    static DevicePath Path(string device, params (string Name, double[] Values)[] q) =>
        new(device, q.Select(x => new Measured(x.Name, x.Values)).ToList(), RoundTripExact: true, Seconds: 1);

    [Fact]
    public void The_relative_difference_is_the_largest_absolute_difference_over_the_largest_cpu_magnitude()
    {
        var cpu = Path("cpu", ("loss", [200.0]), ("weights", [0.5, -0.25, 0.0]));
        var gpu = Path("cuda:0", ("loss", [200.5]), ("weights", [0.5, -0.24, 0.001]));
        var c = DeviceCheck.Compare(gpu, cpu);
        Assert.Equal(0.5 / 200, c[0].RelativeDifference, 12);        // |200.5 − 200| / 200
        Assert.Equal(0.01 / 0.5, c[1].RelativeDifference, 12);       // max(0, 0.01, 0.001) / max(0.5, 0.25, 0)
        Assert.Equal(200.5, c[0].Device);
        Assert.Equal(200.0, c[0].Cpu);
    }

    [Fact]
    public void A_nan_on_the_device_is_an_infinite_difference()
    {
        var c = DeviceCheck.Compare(Path("cuda:0", ("loss", [double.NaN])), Path("cpu", ("loss", [1.0])));
        Assert.Equal(double.PositiveInfinity, c[0].RelativeDifference);
    }

    [Fact]
    public void Doctor_on_the_cpu_compares_the_cpu_with_itself_and_passes_with_exact_round_trips()
    {
        var (code, output, err) = CliRunner.Run("doctor", "--device", "cpu");
        Assert.True(code == 0, err + output);
        Assert.Contains("TorchSharp             0.107.0", output);
        Assert.Contains("CUDA                   ", output);
        foreach (string q in new[] { "train step 1 loss", "train step 2 loss", "evaluate: total", "IW log p(x), k = 8", "prior samples (16 images)", "weights after 2 steps" })
            Assert.Matches($@"(?m)^{System.Text.RegularExpressions.Regex.Escape(q)} +\S+ +\S+ +0\.0e\+0$", output); // CPU against CPU: identical
        Assert.Matches(@"(?m)^checkpoint round trip +exact +exact", output);
        Assert.EndsWith("round trips exact: PASS", output.TrimEnd());
    }

    [Fact]
    public void Doctor_for_cuda_on_a_machine_without_it_is_one_line()
    {
        if (torch.cuda.is_available()) return; // this case needs a machine without CUDA, as CI's
        var (code, _, err) = CliRunner.Run("doctor", "--device", "cuda");
        Assert.Equal(1, code);
        Assert.Equal("vae: Device 'cuda' was requested but CUDA is not available (build with -p:TorchBackend=cuda-linux on a machine with an NVIDIA GPU)", err.Trim());
    }

    [Fact]
    public void A_libtorch_error_becomes_one_line_naming_the_operation_and_what_to_do()
    {
        using var a = torch.ones(3);
        using var index = torch.tensor(new long[] { 5 });
        var e = Assert.ThrowsAny<ExternalException>(() => a.index_select(0, index)); // (matmul would abort: TorchSharp does not catch its errors)
        string line = NativeErrors.OneLine(e);
        Assert.StartsWith("libtorch failed in Tensor.index_select: ", line);
        Assert.Contains("index out of range", line);                        // libtorch's own words
        Assert.EndsWith("; run again with --verbose (or VAE_VERBOSE=1) for the trace, and `vae doctor --device ...` to check the set-up", line);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void A_device_mix_or_out_of_memory_error_says_what_it_is()
    {
        var mixed = new ExternalException("Expected all tensors to be on the same device, but got index is on cpu, different from other tensors on cuda:0 (when checking argument for argument index in method wrapper_CUDA__index_select)\nException raised from ...");
        Assert.Equal("libtorch failed (devices: cpu, cuda:0): Expected all tensors to be on the same device, but got index is on cpu, different from other tensors on cuda:0 (when checking argument for argument index in method wrapper_CUDA__index_select); tensors on different devices met: this is a bug in vae; please report it with the output of --verbose",
            NativeErrors.OneLine(mixed));
        var oom = new ExternalException("CUDA out of memory. Tried to allocate 20.00 GiB (GPU 0; 139.81 GiB total capacity)");
        Assert.EndsWith("; the GPU ran out of memory: use a smaller batch or fewer importance samples, or free the GPU (nvidia-smi shows who holds it)", NativeErrors.OneLine(oom));
    }
}
