using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vae.Tests.Unit.Cli;
using Xunit;

namespace Vae.Tests.Unit.Runs;

/// <summary>What is committed under results/: small enough to travel, and every committed checkpoint still gives its published number.</summary>
[Collection("console")]
public sealed partial class CommittedResultsTests
{
    static IReadOnlyList<string> TrackedFiles()
    {
        var git = Process.Start(new ProcessStartInfo("git", "ls-files -z") { WorkingDirectory = CliRunner.RepoRoot(), RedirectStandardOutput = true })!;
        string output = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        Assert.Equal(0, git.ExitCode);
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void No_tracked_file_exceeds_10_MB_and_the_tracked_tree_stays_under_40_MB()
    {
        // The limits of the results issue: the GPU machine takes at most 64 MiB a call, the bundle included.
        var sizes = TrackedFiles().Select(f => (File: f, Bytes: new FileInfo(Path.Combine(CliRunner.RepoRoot(), f)).Length)).ToList();
        Assert.True(sizes.Count > 100, $"only {sizes.Count} tracked files: not a checkout");
        Assert.Empty(sizes.Where(s => s.Bytes > 10_000_000).Select(s => $"{s.File}: {s.Bytes:N0} bytes"));
        long total = sizes.Sum(s => s.Bytes);
        Assert.True(total < 40_000_000, $"tracked files add up to {total:N0} bytes, over 40 MB");
    }

    [Fact]
    public void Evaluate_of_every_committed_checkpoint_reproduces_its_metrics_json()
    {
        string root = CliRunner.RepoRoot();
        var checkpoints = TrackedFiles().Where(f => f.StartsWith("results/") && f.EndsWith("/checkpoint/model.safetensors"))
            .Select(f => Path.GetDirectoryName(Path.GetDirectoryName(f))!).ToList();
        Assert.NotEmpty(checkpoints);
        foreach (string run in checkpoints)
        {
            // Published figure: seed 1's test total (entries; figures come from seed 1), or the NLL run's test negative ELBO.
            using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, run, "metrics.json")));
            double expected = metrics.RootElement.TryGetProperty("perSeed", out var seeds)
                ? seeds[0].GetProperty("test").GetProperty("total").GetDouble()
                : metrics.RootElement.GetProperty("testNegativeElbo").GetDouble();
            var (code, output, err) = CliRunner.Run("evaluate", "--checkpoint", Path.Combine(root, run, "checkpoint"), "--device", "cpu");
            Assert.True(code == 0, $"{run}: evaluate exited {code}: {err}");
            var total = Total().Match(output);
            Assert.True(total.Success, $"{run}: no total in: {output}");
            // evaluate prints 4 decimals; float32 sums on another CPU may differ in the last one.
            Assert.True(Math.Abs(double.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture) - expected) < 2e-3,
                $"{run}: evaluate gave {total.Groups[1].Value}, metrics.json says {expected}");
        }
    }

    [GeneratedRegex(@"test \(\d+ images\): total ([0-9.]+)")]
    private static partial Regex Total();
}
