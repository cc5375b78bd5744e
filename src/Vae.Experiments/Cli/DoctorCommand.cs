using System.CommandLine;
using System.Globalization;
using Vae.Core.Training;
using Vae.Experiments.Doctor;
using TorchSharp;
using Vae.Core.Runtime;

namespace Vae.Experiments.Cli;

/// <summary>`doctor`: the set-up check to run first (versions, CUDA, GPU), then the whole path on the device against the CPU.</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var device = Options.Device();
        var cmd = new Command("doctor", "Check the set-up: versions of .NET, TorchSharp and libtorch, CUDA and the GPU; then two training steps, " +
            "evaluation, the importance-weighted estimate (k = 8), prior samples and a checkpoint round trip on --device and on the CPU with the same seed, " +
            $"compared within a relative tolerance of {DeviceCheck.Tolerance:0.#e+0} (on a machine without CUDA, the CPU against itself).") { device };
        cmd.SetAction(r =>
        {
            var inv = CultureInfo.InvariantCulture;
            var dev = Devices.Resolve(r.GetValue(device)!);
            string scratch = Path.GetTempPath();
            Console.Error.WriteLine(dev.type == DeviceType.CPU
                ? "doctor: running the path on the CPU twice (the device asked for is the CPU itself)"
                : $"doctor: running the path on {dev.type.ToString().ToLowerInvariant()} and on the CPU");
            var onDevice = DeviceCheck.Run(dev, scratch);
            var onCpu = DeviceCheck.Run(torch.CPU, scratch);
            foreach (var fact in SetupFacts.Collect()) Console.WriteLine($"{fact.Name,-22} {fact.Value}");
            Console.WriteLine();
            string name = onDevice.Device;
            Console.WriteLine(string.Create(inv, $"{"quantity",-28} {name,14} {"cpu",14} {"rel. diff.",10}"));
            var compared = DeviceCheck.Compare(onDevice, onCpu);
            foreach (var c in compared)
                Console.WriteLine(string.Create(inv, $"{c.Name,-28} {c.Device,14:G7} {c.Cpu,14:G7} {c.RelativeDifference,10:0.0e+0}"));
            Console.WriteLine(string.Create(inv, $"{"checkpoint round trip",-28} {(onDevice.RoundTripExact ? "exact" : "DIFFERS"),14} {(onCpu.RoundTripExact ? "exact" : "DIFFERS"),14}   (saved on {name}, loaded on cpu and back)"));
            Console.WriteLine(string.Create(inv, $"{"time of the path",-28} {onDevice.Seconds,13:F2}s {onCpu.Seconds,13:F2}s"));
            double worst = compared.Max(c => c.RelativeDifference);
            bool pass = worst <= DeviceCheck.Tolerance && onDevice.RoundTripExact && onCpu.RoundTripExact;
            Console.WriteLine();
            Console.WriteLine(string.Create(inv, $"largest relative difference {worst:0.0e+0} (tolerance {DeviceCheck.Tolerance:0.0e+0}: TF32 convolutions and atomics in backward on a GPU); round trips {(onDevice.RoundTripExact && onCpu.RoundTripExact ? "exact" : "not exact")}: {(pass ? "PASS" : "FAIL")}"));
            if (!pass) Console.Error.WriteLine($"vae: doctor: {name} does not agree with the cpu (see the table above); report it with this output");
            return pass ? 0 : 1;
        });
        return cmd;
    }
}
