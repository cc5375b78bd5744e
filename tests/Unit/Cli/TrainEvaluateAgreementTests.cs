using System.Text.RegularExpressions;
using Xunit;

namespace Vae.Tests.Unit.Cli;

/// <summary>
/// One evaluation rule, seen from the command line: the final test line of train and evaluate's line on the checkpoint it
/// wrote are the same number to the printed digits, with dynamic binarisation (where the rule binarises the test set).
/// </summary>
[Collection("console")]
public sealed partial class TrainEvaluateAgreementTests
{
    [Fact]
    public void Train_with_dynamic_binarisation_prints_the_final_test_that_evaluate_gives_on_its_checkpoint()
    {
        using var dir = new TempDir();
        string run = dir.File("run");
        var (code, output, err) = CliRunner.Run("train", "mnist", "--out", run, "--limit", "500", "--epochs", "1", "--binarization", "dynamic", "--device", "cpu");
        Assert.True(code == 0, err);
        var trained = FinalTest().Match(output);
        Assert.True(trained.Success, $"no final test line in: {output}");
        Assert.Equal("10000", trained.Groups["n"].Value); // --limit cuts the training images only

        (code, output, err) = CliRunner.Run("evaluate", "--checkpoint", Path.Combine(run, "checkpoint"), "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("the test set is binarised with seed 2015", output);
        var evaluated = EvaluateLine().Match(output);
        Assert.True(evaluated.Success, $"no test line in: {output}");
        Assert.Equal(trained.Groups["n"].Value, evaluated.Groups["n"].Value);
        Assert.Equal(trained.Groups["terms"].Value, evaluated.Groups["terms"].Value);
    }

    [GeneratedRegex(@"^final test \((?<n>\d+) images, binarised with seed 2015\): (?<terms>total [0-9.]+, reconstruction [0-9.]+, KL [0-9.]+);", RegexOptions.Multiline)]
    private static partial Regex FinalTest();

    [GeneratedRegex(@"^mnist test \((?<n>\d+) images\): (?<terms>total [0-9.]+, reconstruction [0-9.]+, KL [0-9.]+)$", RegexOptions.Multiline)]
    private static partial Regex EvaluateLine();
}

/// <summary>--checkpoint given one folder too high (a run folder) uses the checkpoint inside it and says so.</summary>
[Collection("console")]
public sealed class RunFolderCheckpointTests
{
    [Fact]
    public void Evaluate_of_a_run_folder_uses_its_checkpoint_folder_says_which_and_gives_the_same_number()
    {
        string run = Path.Combine(CliRunner.RepoRoot(), "results", "mnist-z2-warmup");
        var (code, viaRun, err) = CliRunner.Run("evaluate", "--checkpoint", run, "--limit", "50", "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains($"using the checkpoint in {Path.Combine(run, "checkpoint")}", err);
        var (code2, direct, err2) = CliRunner.Run("evaluate", "--checkpoint", Path.Combine(run, "checkpoint"), "--limit", "50", "--device", "cpu");
        Assert.True(code2 == 0, err2);
        Assert.DoesNotContain("using the checkpoint in", err2);
        Assert.Equal(direct, viaRun);
        Assert.Contains("mnist test (50 images): total ", direct);
    }
}
