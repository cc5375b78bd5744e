using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Vae.Experiments.Doctor;

/// <summary>One fact about the set-up: a name and what was found (or why it could not be).</summary>
internal sealed record SetupFact(string Name, string Value);

/// <summary>
/// The versions and hardware <c>vae doctor</c> reports, like PyTorch's <c>collect_env</c>: .NET, TorchSharp, the libtorch
/// that was loaded (its file, read from the process's memory map), CUDA, the GPU (from nvidia-smi where it exists) and the
/// cuDNN library that was loaded.
/// </summary>
internal static class SetupFacts
{
    /// <summary>The facts; call after the device path ran, so the CUDA libraries that were used are loaded.</summary>
    public static IReadOnlyList<SetupFact> Collect()
    {
        var facts = new List<SetupFact>
        {
            new(".NET", $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})"),
            new("TorchSharp", typeof(torch).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "unknown"),
            new("torch.__version__", Try(() => torch.__version__)),
            new("libtorch loaded from", Loaded("libtorch_cpu.so") ?? "not found in the memory map"),
            new("CPU threads", torch.get_num_threads().ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        bool cuda = torch.cuda.is_available();
        facts.Add(new("CUDA", cuda ? $"available, {torch.cuda.device_count()} device(s); cuDNN {(torch.cuda.is_cudnn_available() ? "available" : "not available")}" : "not available"));
        if (cuda)
        {
            facts.Add(new("GPU", NvidiaSmi() ?? "nvidia-smi not found: name and memory unknown"));
            facts.Add(new("libtorch_cuda", Loaded("libtorch_cuda.so") ?? "not loaded"));
            facts.Add(new("cuDNN library", Loaded("libcudnn.so") ?? "not loaded (no convolution ran on the GPU yet)"));
            facts.Add(new("CUDA runtime library", Loaded("libcudart.so") ?? "not loaded"));
        }
        return facts;
    }

    static string Try(Func<string> f)
    {
        try { return f(); }
        catch (Exception e) { return $"unknown ({e.GetType().Name})"; }
    }

    /// <summary>The path of the first mapped library whose file name starts with <paramref name="prefix"/> (its version is in its name).</summary>
    static string? Loaded(string prefix)
    {
        if (!File.Exists("/proc/self/maps")) return null;
        try
        {
            return File.ReadLines("/proc/self/maps")
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
                .FirstOrDefault(p => p.StartsWith('/') && Path.GetFileName(p).StartsWith(prefix, StringComparison.Ordinal));
        }
        catch (IOException) { return null; }
    }

    static string? NvidiaSmi()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("nvidia-smi", ["--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"])
                { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (p is null) return null;
            string output = p.StandardOutput.ReadToEnd().Trim();
            if (!p.WaitForExit(10_000) || p.ExitCode != 0 || output.Length == 0) return null;
            return string.Join("; ", output.Split('\n').Select(l => l.Trim())) + " (name, memory, driver; nvidia-smi)";
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
