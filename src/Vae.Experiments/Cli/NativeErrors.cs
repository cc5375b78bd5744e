using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Vae.Experiments.Cli;

/// <summary>
/// One line for an error raised inside libtorch (TorchSharp reports those as <see cref="ExternalException"/>): the operation
/// that failed (the TorchSharp call nearest to it in the stack), the devices the message names, libtorch's own first line,
/// and what to do. The full trace is printed with <c>--verbose</c> or <c>VAE_VERBOSE=1</c>.
/// </summary>
internal static partial class NativeErrors
{
    /// <summary>The line for <paramref name="e"/>, without the "vae: " prefix.</summary>
    public static string OneLine(ExternalException e)
    {
        string first = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "no message";
        if (first.Length > 300) first = first[..300] + "…";
        string operation = Operation(e) is string op ? $" in {op}" : "";
        var devices = DeviceNames().Matches(e.Message).Select(m => m.Value.ToLowerInvariant()).Distinct().ToList();
        string on = devices.Count > 0 ? $" (devices: {string.Join(", ", devices)})" : "";
        string advice = e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
            ? "the GPU ran out of memory: use a smaller batch or fewer importance samples, or free the GPU (nvidia-smi shows who holds it)"
            : devices.Count > 1
                ? "tensors on different devices met: this is a bug in vae; please report it with the output of --verbose"
                : "run again with --verbose (or VAE_VERBOSE=1) for the trace, and `vae doctor --device ...` to check the set-up";
        return $"libtorch failed{operation}{on}: {first}; {advice}";
    }

    /// <summary>Whether the full trace is wanted: --verbose on the command line or VAE_VERBOSE set to 1 or true.</summary>
    public static bool Verbose(string[] args) =>
        args.Contains("--verbose") || Environment.GetEnvironmentVariable("VAE_VERBOSE") is "1" or "true";

    /// <summary>The TorchSharp method nearest to the failure in the stack ("Tensor.index_select"), or null.</summary>
    static string? Operation(Exception e)
    {
        var frames = new System.Diagnostics.StackTrace(e, fNeedFileInfo: false).GetFrames();
        foreach (var frame in frames)
        {
            var method = frame.GetMethod();
            var type = method?.DeclaringType;
            if (method is null || type?.Namespace is not string ns || !ns.StartsWith("TorchSharp", StringComparison.Ordinal)) continue;
            if (method.Name is "CheckForErrors" or "ThrowIfError") continue;
            return $"{type.Name}.{method.Name}";
        }
        return null;
    }

    [GeneratedRegex(@"\b(cuda:\d+|cuda|cpu)\b", RegexOptions.IgnoreCase)]
    private static partial Regex DeviceNames();
}
