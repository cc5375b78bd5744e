using Xunit;

namespace Vae.Tests.Unit.Cli;

/// <summary>
/// Every documented option with a bad value: one line on stderr naming the option as typed and the bad value, exit code 1,
/// before any data is loaded (the data folder given does not exist, so loading would fail with another message).
/// </summary>
[Collection("console")]
public sealed class OptionErrorTests
{
    const string NoData = "/nonexistent/vae-option-tests";

    [Theory]
    [InlineData("--epochs expects an integer, got 'abc'", "train", "mnist", "--epochs", "abc")]
    [InlineData("--latent expects an integer, got '2.5'", "train", "mnist", "--latent", "2.5")]
    [InlineData("--lr must be in (0, 10], got 0", "train", "mnist", "--lr", "0")]
    [InlineData("--lr expects a number, got 'fast'", "train", "mnist", "--lr", "fast")]
    [InlineData("--hidden must be in [1, 65536], got 0", "train", "mnist", "--hidden", "0")]
    [InlineData("--extra-convs must be ≥ 0, got -1", "train", "mnist", "--extra-convs", "-1")]
    [InlineData("--extra-convs must be in [0, 8], got 9", "train", "mnist", "--extra-convs", "9")]
    [InlineData("--warmup-steps must be ≥ 0, got -1", "train", "mnist", "--warmup-steps", "-1")]
    [InlineData("--kl-warmup-epochs must be ≥ 0, got -2", "train", "mnist", "--kl-warmup-epochs", "-2")]
    [InlineData("--weight-decay must be in [0, 1], got 5", "train", "mnist", "--weight-decay", "5")]
    [InlineData("--ema-decay must be in [0, 1), got 1", "train", "mnist", "--ema-decay", "1")]
    [InlineData("--decoder-dropout must be in [0, 1), got 1", "train", "mnist", "--decoder-dropout", "1")]
    [InlineData("--decoder-dropout must be in [0, 1), got -0.5", "train", "mnist", "--decoder-dropout", "-0.5")]
    [InlineData("--seed must be ≥ 0, got -1", "train", "mnist", "--seed", "-1")]
    [InlineData("--limit must be ≥ 1, got 0", "train", "mnist", "--limit", "0")]
    [InlineData("--schedule must be one of constant, cosine, got 'cosin'; did you mean 'cosine'?", "train", "mnist", "--schedule", "cosin")]
    [InlineData("--architecture must be one of conv, mlp, got 'resnet'", "train", "mnist", "--architecture", "resnet")]
    [InlineData("'mnsit' is not one of mnist, fashion-mnist, svhn; did you mean 'mnist'?", "train", "mnsit")]
    [InlineData("'gpu0' is not one of auto, cpu, cuda", "train", "mnist", "--device", "gpu0")]
    [InlineData("unknown option '--lerning-rate' for 'train'", "train", "mnist", "--lerning-rate", "1")]
    [InlineData("--channels must have 1 to 6 entries", "train", "mnist", "--channels", "8", "8", "8", "8", "8", "8", "8")]
    public void A_bad_train_option_is_one_line_naming_it(string expected, params string[] args) =>
        AssertOneLine(expected, [.. args, "--out", Path.Combine(Path.GetTempPath(), "vae-never-written"), "--data-dir", NoData]);

    [Theory]
    [InlineData("unknown command 'frobnicate' for vae", "frobnicate")]
    [InlineData("unknown command 'trian' for vae; did you mean 'train'?", "trian", "mnist")]
    [InlineData("--iw-samples must be in [1, 100,000], got 0", "evaluate", "--checkpoint", "x", "--iw-samples", "0")]
    [InlineData("--iw-samples must be in [1, 100,000], got -5", "evaluate", "--checkpoint", "x", "--iw-samples", "-5")]
    [InlineData("--limit must be ≥ 1, got -5", "evaluate", "--checkpoint", "x", "--limit", "-5")]
    [InlineData("--out must name a .png file (a PNG is what is written), got 's.txt'", "sample", "--checkpoint", "x", "--out", "s.txt")]
    [InlineData("--count must be ≤ 10,000, got 5,000,000", "sample", "--checkpoint", "x", "--out", "s.png", "--count", "5000000")]
    [InlineData("--side must be ≤ 64, got 100,000", "manifold", "--checkpoint", "x", "--out", "m.png", "--side", "100000")]
    public void A_bad_command_or_option_elsewhere_is_one_line_naming_it(string expected, params string[] args) => AssertOneLine(expected, args);

    static void AssertOneLine(string expected, string[] args)
    {
        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.StartsWith("vae: ", err);
        Assert.Contains(expected, err);
    }
}

/// <summary>train with its defaults, and --resume with other settings.</summary>
[Collection("console")]
public sealed class TrainCommandTests
{
    [Fact]
    public void Train_with_its_defaults_trains_and_a_resume_with_another_latent_names_the_difference_and_leaves_the_run_alone()
    {
        using var dir = new TempDir();
        string run = dir.File("run");
        var (code, output, err) = CliRunner.Run("train", "mnist", "--out", run, "--limit", "300", "--epochs", "1", "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("final test", output);
        string config = File.ReadAllText(Path.Combine(run, "config.json"));
        Assert.Contains("\"extraConvsPerLevel\": 0", config); // the seed's shallow CNN, the documented default

        (code, _, err) = CliRunner.Run("train", "mnist", "--out", run, "--limit", "300", "--epochs", "2", "--latent", "3", "--resume", "--device", "cpu");
        Assert.Equal(1, code);
        // stderr also carries the data-loading log lines; the error is one line, the last.
        var errors = err.TrimEnd().Split('\n').Where(l => l.StartsWith("vae: ")).ToList();
        Assert.Single(errors);
        Assert.EndsWith(errors[0], err.TrimEnd());
        Assert.Contains("made for a different model (latentDim: 2 in the checkpoint, 3 asked for)", errors[0]);
        Assert.Equal(config, File.ReadAllText(Path.Combine(run, "config.json")));
    }

    [Fact]
    public void A_second_writer_of_a_run_folder_gets_one_line_naming_the_holder()
    {
        using var dir = new TempDir();
        string run = dir.File("run");
        using (Vae.Core.Checkpoints.RunLock.Acquire(run))
        {
            var (code, _, err) = CliRunner.Run("train", "mnist", "--out", run, "--limit", "100", "--epochs", "1", "--device", "cpu");
            Assert.Equal(1, code);
            Assert.Contains($"{run} is being written by process {Environment.ProcessId} (since ", err);
            Assert.False(File.Exists(Path.Combine(run, "config.json")), "the second writer wrote into the folder");
        }
        // Released: the folder can be trained into.
        var (after, _, afterErr) = CliRunner.Run("train", "mnist", "--out", run, "--limit", "100", "--epochs", "1", "--device", "cpu");
        Assert.True(after == 0, afterErr);
    }
}

/// <summary>Logs on stderr, results on stdout: a pipe or a --json reader sees only results.</summary>
[Collection("console")]
public sealed class OutputStreamTests
{
    [Fact]
    public void Data_info_json_puts_only_JSON_on_stdout_and_its_log_on_stderr()
    {
        var (code, output, err) = CliRunner.Run("data", "info", "mnist", "--json");
        Assert.True(code == 0, err);
        using var json = System.Text.Json.JsonDocument.Parse(output); // throws if anything else is on stdout
        Assert.Equal("mnist", json.RootElement.GetProperty("dataset").GetString());
    }

    [Fact]
    public void Train_prints_its_progress_on_stderr_and_only_the_result_on_stdout()
    {
        using var dir = new TempDir();
        var (code, output, err) = CliRunner.Run("train", "mnist", "--out", dir.File("run"), "--limit", "200", "--epochs", "1", "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("epoch 1/1:", err);
        var lines = output.Trim().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("final test ", lines[0]);
    }
}
