using System.Diagnostics;
using System.Text.Json;

namespace Vae.Experiments.Bench;

/// <summary>The peer could not run; the message says what to install.</summary>
internal sealed class PeerUnavailableException(string message) : Exception(message);

/// <summary>What one run of benchmarks/peer_pytorch.py reported.</summary>
/// <param name="Torch">PyTorch version.</param>
/// <param name="Threads">Intra-op threads it used.</param>
/// <param name="GemmGflops">Its 2048² float32 GEMM throughput.</param>
/// <param name="MsPerStep">Median ms per training step per model (mnist-z2, svhn-z200).</param>
/// <param name="Device">The device it ran on ("cpu", or "cuda (GPU name)").</param>
/// <param name="MsPerStepFused">On CUDA: the same with Adam's fused kernel (fused=True); null on the CPU.</param>
internal sealed record PeerResult(string Torch, int Threads, double GemmGflops, Dictionary<string, double> MsPerStep, string? Device = null, Dictionary<string, double>? MsPerStepFused = null);

/// <summary>Runs the PyTorch peer script (same architectures, batch, loss, optimizer and threads) as a child process.</summary>
internal static class PyTorchPeer
{
    const string Script = "benchmarks/peer_pytorch.py";

    public static PeerResult Run(int threads, bool cuda = false)
    {
        string script = Find() ?? throw new PeerUnavailableException($"cannot find {Script} above {Directory.GetCurrentDirectory()}; run bench from the repository");
        string python = Python;
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { script, "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--device", cuda ? "cuda" : "cpu" }.Concat(cuda ? ["--steps", "50", "--repeats", "5"] : Array.Empty<string>())) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new PeerUnavailableException($"could not start {python}");
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            p.Kill(entireProcessTree: true);
            throw new PeerUnavailableException("the PyTorch peer took more than 10 minutes");
        }
        if (p.ExitCode != 0)
        {
            string err = stderr.Result;
            throw new PeerUnavailableException(err.Contains("No module named 'torch'")
                ? MissingTorch(python)
                : $"the PyTorch peer failed (exit {p.ExitCode}): {err.Trim().Split('\n').LastOrDefault()}");
        }
        return JsonSerializer.Deserialize<PeerResult>(stdout.Trim().Split('\n')[^1], new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new PeerUnavailableException("the PyTorch peer printed no result");
    }

    /// <summary>Fails fast, before any measurement, when the peer script or torch for the system python is missing.</summary>
    public static void EnsureAvailable()
    {
        if (Find() is null) throw new PeerUnavailableException($"cannot find {Script} above {Directory.GetCurrentDirectory()}; run bench from the repository");
        string python = Python;
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-c", "import torch" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new PeerUnavailableException($"could not start {python}");
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new PeerUnavailableException(MissingTorch(python));
    }

    // Debian's python3-torch installs for the system interpreter, which a pyenv python3 on PATH would hide;
    // VAE_PYTHON names another (the GPU machine's python3 with CUDA PyTorch).
    static string Python => Environment.GetEnvironmentVariable("VAE_PYTHON") is { Length: > 0 } chosen ? chosen
        : File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    static string MissingTorch(string python) => $"the PyTorch peer needs torch for {python}: on Debian 12, apt-get install python3-torch";

    static string? Find()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, Script))) return Path.Combine(dir.FullName, Script);
        return null;
    }
}
