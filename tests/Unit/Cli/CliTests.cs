using System.Text.Json;
using SixLabors.ImageSharp;
using Vae.Experiments;
using Xunit;

namespace Vae.Tests.Unit.Cli;

[CollectionDefinition("console", DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>The `vae` tool, run in-process with its console captured.</summary>
[Collection("console")]
public sealed class CliTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Theory]
    [InlineData("--help")]
    [InlineData("train", "--help")]
    [InlineData("evaluate", "--help")]
    [InlineData("reproduce", "--help")]
    [InlineData("data", "info", "--help")]
    public void Every_command_has_help(params string[] args)
    {
        var (code, output, _) = Run(args);
        Assert.Equal(0, code);
        Assert.Contains("Usage:", output);
    }

    [Fact]
    public void An_unknown_option_is_one_line_on_stderr_and_exit_code_1()
    {
        var (code, _, err) = Run("train", "mnist", "--out", "x", "--epochs", "3", "--lerning-rate", "1");
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.StartsWith("vae: ", err);
        Assert.Contains("--lerning-rate", err);
    }

    [Fact]
    public void An_out_of_range_option_is_rejected_with_its_valid_range()
    {
        var (code, _, err) = Run("train", "mnist", "--out", "x", "--epochs", "0");
        Assert.Equal(1, code);
        Assert.Contains("--epochs must be ≥ 1, got 0", err);
    }

    [Fact]
    public void An_unknown_entry_lists_the_valid_ones()
    {
        var (code, _, err) = Run("reproduce", "mnist-z3");
        Assert.Equal(1, code);
        Assert.Contains("unknown entry 'mnist-z3'; valid: mnist-z2, fashion-mnist-z2, mnist-z2-deep, fashion-mnist-z2-deep, fashion-mnist-z2-long, mnist-z2-long, mnist-z2-warmup, svhn-z200", err);
    }

    [Fact]
    public void A_missing_checkpoint_is_one_line_without_a_stack_trace()
    {
        var (code, _, err) = Run("evaluate", "--checkpoint", "/nonexistent/ckpt");
        Assert.Equal(1, code);
        Assert.Equal("vae: /nonexistent/ckpt: no checkpoint here (expected model.safetensors and trainer.json); train first or check the path", err.Trim());
    }

    [Fact]
    public void Reproducing_svhn_without_the_data_fails_and_says_where_to_get_it()
    {
        using var dir = new TempDir();
        var (code, _, err) = Run("reproduce", "svhn-z200", "--data-dir", dir.Path, "--out", dir.File("results"), "--runs", dir.File("runs"));
        Assert.Equal(1, code);
        Assert.Contains("svhn train files not found: train_32x32.mat", err);
        Assert.Contains("download train_32x32.mat and test_32x32.mat from http://ufldl.stanford.edu/housenumbers/", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Quick_svhn_runs_end_to_end_on_the_shared_sample()
    {
        using var dir = new TempDir();
        string dataDir = Path.GetDirectoryName(Path.GetDirectoryName(SharedData.Svhn("sample_32x32.mat")))!;
        var (code, output, err) = Run("reproduce", "svhn-z200", "--quick", "--seeds", "1", "--data-dir", dataDir, "--out", dir.File("results"), "--runs", dir.File("runs"), "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("64-image sample (quick mode only)", err); // logs on stderr, results on stdout
        var metrics = JsonDocument.Parse(File.ReadAllText(dir.File("results/svhn-z200/metrics.json"))).RootElement;
        Assert.Equal(200, metrics.GetProperty("latentDim").GetInt32());
        Assert.Equal(64, metrics.GetProperty("testExamples").GetInt32());
    }

    [Fact]
    public void Quick_mnist_writes_every_result_file_and_evaluate_reproduces_its_test_numbers()
    {
        // mnist-z2-warmup is a headline entry: its seed-1 weights are copied into results/ (mnist-z2's are not).
        using var dir = new TempDir();
        var (code, _, err) = Run("reproduce", "mnist-z2-warmup", "mnist-z2", "--quick", "--seeds", "2", "--out", dir.File("results"), "--runs", dir.File("runs"), "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.False(Directory.Exists(dir.File("results/mnist-z2/checkpoint")), "a non-headline entry committed its weights");
        Assert.True(File.Exists(dir.File("results/mnist-z2/samples.png")), "a non-headline entry drew no figures from its run");
        string entry = dir.File("results/mnist-z2-warmup");
        foreach (string png in new[] { "samples", "reconstructions", "latent", "manifold", "loss" })
        {
            var info = Image.Identify(Path.Combine(entry, png + ".png"));
            Assert.True(info.Width > 100 && info.Height > 100, $"{png}.png is {info.Width}x{info.Height}");
        }
        Assert.True(File.Exists(Path.Combine(entry, "checkpoint", "model.safetensors")));
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(entry, "metrics.json"))).RootElement;
        foreach (string key in new[] { "entry", "dataset", "latentDim", "architecture", "parameterCount", "epochs", "batchSize", "optimizer", "learningRate", "seeds", "test", "train", "perSeed", "commit", "wallSeconds", "device", "threads" })
            Assert.True(metrics.TryGetProperty(key, out _), $"metrics.json lacks {key}");
        Assert.Equal(2, metrics.GetProperty("perSeed").GetArrayLength());
        Assert.Equal(2, metrics.GetProperty("perSeed")[0].GetProperty("history").GetArrayLength());

        var (evalCode, evalOut, evalErr) = Run("evaluate", "--checkpoint", Path.Combine(entry, "checkpoint"), "--limit", "500", "--device", "cpu");
        Assert.True(evalCode == 0, evalErr);
        double seedOne = metrics.GetProperty("perSeed")[0].GetProperty("test").GetProperty("total").GetDouble();
        Assert.Contains($"total {seedOne:F4}", evalOut);

        var (reportCode, _, reportErr) = Run("report", "--out", dir.File("results"), "--device", "cpu");
        Assert.True(reportCode == 0, reportErr);
        string readme = File.ReadAllText(dir.File("results/README.md"));
        var test = metrics.GetProperty("test");
        string row = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"| [mnist-z2-warmup](mnist-z2-warmup/metrics.json) | mnist | 2 | 132.39 | {test.GetProperty("total").GetDouble():F2} ± {test.GetProperty("totalSd").GetDouble():F2} | — |");
        Assert.Contains(row, readme);
    }
}

[Collection("console")]
public sealed class PaperCliTests
{
    [Fact]
    public void Log_spaced_evaluation_points_span_the_budget()
    {
        var points = Vae.Experiments.Runs.PaperExperiment.LogPoints(10_000, 3_000_000, 12);
        Assert.Equal(10_000, points[0]);
        Assert.Equal(3_000_000, points[^1]);
        Assert.Equal(12, points.Count);
        // Constant ratio between neighbours: (3e6 / 1e4)^(1/11) ≈ 1.680.
        Assert.All(points.Zip(points.Skip(1)), p => Assert.InRange((double)p.Second / p.First, 1.67, 1.69));
    }
}

/// <summary>Runs of other output folders never reach a results folder (the results issue's kill-then-rerun sequence).</summary>
[Collection("console")]
public sealed class ReproduceIsolationTests
{
    [Fact]
    public void An_unfinished_run_for_another_output_folder_cannot_replace_a_committed_checkpoint()
    {
        using var dir = new TempDir();
        string runs = dir.File("runs"), results = dir.File("results"), other = dir.File("other");
        var (code, _, err) = CliRunner.Run("reproduce", "mnist-z2-warmup", "--quick", "--seeds", "1", "--out", results, "--runs", runs, "--device", "cpu");
        Assert.True(code == 0, err);
        string weights = Path.Combine(results, "mnist-z2-warmup", "checkpoint", "model.safetensors");
        byte[] committed = File.ReadAllBytes(weights);

        // Another output folder sharing the runs folder, stopped after 1 epoch (as a kill after epoch 1 would leave it).
        (code, _, err) = CliRunner.Run("reproduce", "mnist-z2-warmup", "--quick", "--seeds", "1", "--epochs", "1", "--force", "--out", other, "--runs", runs, "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.DoesNotContain("continuing the run", err); // another configuration (1 epoch) never continues the 2-epoch run
        (code, _, err) = CliRunner.Run("reproduce", "mnist-z2-warmup", "--quick", "--seeds", "1", "--out", results, "--runs", runs, "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Equal(committed, File.ReadAllBytes(weights));
    }
}
