using System.Diagnostics;
using TorchSharp;

namespace Vae.Experiments.Runs;

/// <summary>Where and with what code a run happened.</summary>
/// <param name="Commit">git commit of the working tree (with "+dirty" when it has uncommitted changes), or "unknown".</param>
/// <param name="Device">Device name.</param>
/// <param name="Threads">libtorch intra-op threads.</param>
/// <param name="Machine">Machine description.</param>
/// <param name="StartedUtc">Start time, ISO 8601.</param>
internal sealed record RunInfo(string Commit, string Device, int Threads, string Machine, string StartedUtc)
{
    /// <summary>Collects the information for a run on <paramref name="device"/>.</summary>
    public static RunInfo Capture(torch.Device device) => new(
        GitCommit(), device.ToString(), torch.get_num_threads(),
        $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
        DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"));

    static string GitCommit()
    {
        try
        {
            string? head = Run("rev-parse HEAD");
            if (head is null) return "unknown";
            string? status = Run("status --porcelain --untracked-files=no");
            return string.IsNullOrWhiteSpace(status) ? head : head + "+dirty";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    static string? Run(string args)
    {
        var psi = new ProcessStartInfo("git", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi);
        if (p is null) return null;
        string output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : null;
    }
}
