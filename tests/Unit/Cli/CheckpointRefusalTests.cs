using Vae.Core.Checkpoints;
using Vae.Tests.Unit.Core;
using Xunit;

namespace Vae.Tests.Unit.Cli;

/// <summary>
/// The CLI over damaged or hostile run folders: one line on stderr, exit code 1, no hang, and the folder byte for byte
/// as it was; --restart moves a damaged checkpoint aside; the messages of issue 26's item 7 say what is true.
/// </summary>
[Collection("console")]
public sealed class CheckpointRefusalTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => FileFixtures.WithinSeconds(120, () => CliRunner.Run(args));

    static void OneLineExit1((int Code, string Out, string Err) r, string expected)
    {
        Assert.Equal(1, r.Code);
        Assert.Equal("vae: " + expected, Assert.Single(r.Err.TrimEnd().Split('\n')));
    }

    /// <summary>A run folder whose checkpoint (epoch 1 of the synthetic model) has its optimizer.pt damaged.</summary>
    static string DamagedRun(TempDir dir)
    {
        string run = dir.File("run"), ckpt = Path.Combine(run, "checkpoint");
        EpochCheckpoints.Save(ckpt, 1);
        var bytes = File.ReadAllBytes(Path.Combine(ckpt, "optimizer.pt"));
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(Path.Combine(ckpt, "optimizer.pt"), bytes);
        return run;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Train_over_a_damaged_checkpoint_stops_in_one_line_and_changes_nothing(bool resume)
    {
        using var dir = new TempDir();
        string run = DamagedRun(dir);
        var before = FileFixtures.Snapshot(dir.Path);
        string[] args = ["train", "mnist", "--out", run, "--epochs", "1", "--limit", "64"];
        var r = Run(resume ? [.. args, "--resume"] : args);
        string ckpt = Path.Combine(run, "checkpoint");
        OneLineExit1(r, $"{ckpt}: the checkpoint is damaged (optimizer.pt does not match its manifest.json: another size or SHA-256) and no intact copy is beside it; restore that file, or start over with `train --restart` or `reproduce --force`, which move the folder aside instead of deleting it");
        Assert.Equal(before, FileFixtures.Snapshot(dir.Path));
    }

    [Fact]
    public void Train_with_restart_moves_the_damaged_checkpoint_aside_and_trains_from_epoch_one()
    {
        using var dir = new TempDir();
        string run = DamagedRun(dir), ckpt = Path.Combine(run, "checkpoint");
        var damaged = FileFixtures.Snapshot(ckpt);
        var r = Run("train", "mnist", "--out", run, "--epochs", "1", "--limit", "64", "--restart");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains($"moved the damaged checkpoint aside to {ckpt}.aside-", r.Err);
        string aside = Assert.Single(Directory.GetDirectories(run, "checkpoint.aside-*"));
        Assert.Equal(damaged, FileFixtures.Snapshot(aside));
        Assert.Equal(1, Checkpoint.ReadState(ckpt).Epoch);
    }

    [Fact]
    public void Resume_and_restart_exclude_each_other()
    {
        OneLineExit1(Run("train", "mnist", "--out", "unused", "--resume", "--restart"),
            "--resume and --restart exclude each other: continue the checkpoint, or move it aside and start over");
    }

    [Fact]
    public void An_out_path_that_is_a_file_is_refused_before_any_data_is_loaded()
    {
        using var dir = new TempDir();
        string file = dir.File("run");
        File.WriteAllText(file, "x");
        var r = Run("train", "mnist", "--out", file, "--data-dir", dir.File("no-data-here"));
        OneLineExit1(r, $"{file} is a file; a run writes a folder there: choose another path");
        Assert.False(Directory.Exists(dir.File("no-data-here")));
    }

    [Fact]
    public void An_out_path_where_nothing_can_be_written_is_not_said_to_be_busy()
    {
        var r = Run("train", "mnist", "--out", "/proc/x");
        Assert.Equal(1, r.Code);
        Assert.StartsWith("vae: /proc/x: cannot create its lock file /proc/x.lock (", r.Err);
        Assert.DoesNotContain("being written", r.Err);
    }

    [Fact]
    public void Evaluate_on_weights_that_are_a_fifo_answers_in_one_line()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt, 1);
        FileFixtures.Fifo(Path.Combine(ckpt, "model.safetensors"));
        var r = Run("evaluate", "--checkpoint", ckpt, "--limit", "10");
        Assert.Equal(1, r.Code);
        Assert.StartsWith($"vae: {ckpt}: the checkpoint is damaged (model.safetensors is a FIFO (named pipe), not a regular file)", r.Err);
    }

    [Fact]
    public void A_data_folder_that_is_a_symbolic_link_loop_is_named_as_one()
    {
        using var dir = new TempDir();
        string loop = dir.File("loop");
        File.CreateSymbolicLink(loop, loop);
        var r = Run("data", "info", "mnist", "--data-dir", loop);
        OneLineExit1(r, $"{loop}: the data folder is a symbolic link that loops; point --data-dir (or VAE_DATA_DIR) at a real folder");
    }
}

/// <summary>README's recipe for continuing a committed results/ checkpoint, run as written on a subset.</summary>
[Collection("console")]
public sealed class ContinueCommittedCheckpointTests
{
    /// <summary>The README's `vae train` line for continuing a committed checkpoint, without `vae`.</summary>
    static List<string> ReadmeRecipe()
    {
        string readme = File.ReadAllText(Path.Combine(CliRunner.RepoRoot(), "README.md"));
        int at = readme.IndexOf("To continue training from a committed `results/` checkpoint", StringComparison.Ordinal);
        var block = System.Text.RegularExpressions.Regex.Match(readme[at..], "```bash\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
        string command = block.Replace("\\\n", " ").Split('\n').Single(l => l.StartsWith("vae train", StringComparison.Ordinal)).Split("  #")[0];
        return command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
    }

    /// <summary>A run folder holding a copy of results/mnist-z2-warmup/checkpoint (30 epochs, no optimizer.pt).</summary>
    static string CommittedCopy(TempDir dir)
    {
        string run = dir.File("more");
        string source = Path.Combine(CliRunner.RepoRoot(), "results", "mnist-z2-warmup", "checkpoint");
        Directory.CreateDirectory(Path.Combine(run, "checkpoint"));
        foreach (string f in Directory.GetFiles(source)) File.Copy(f, Path.Combine(run, "checkpoint", Path.GetFileName(f)));
        return run;
    }

    [Theory]
    [InlineData("", "optimizer.pt is missing (or not in manifest.json), so the optimizer's state cannot be restored; resume with --fresh-optimizer to continue with a fresh optimizer, or train again in another folder")]
    [InlineData("--epochs 5", "the checkpoint has 30 epochs, more than the 5 asked for; ask for at least 30 or use another folder")]
    [InlineData("--lr 0.01", "the checkpoint was trained with another protocol (learningRate: 0.002 in the checkpoint, 0.01 asked for); resume with the same settings or use another folder")]
    [InlineData("--latent 3", "the checkpoint was made for a different model (latentDim: 2 in the checkpoint, 3 asked for); resume with the same options or use another folder")]
    public void A_resume_the_checkpoint_cannot_take_is_refused_before_any_data_is_loaded(string change, string problem)
    {
        using var dir = new TempDir();
        string run = CommittedCopy(dir);
        var before = FileFixtures.Snapshot(run);
        var args = ReadmeRecipe();
        args[args.IndexOf("--out") + 1] = run;
        if (change.Length == 0) args.Remove("--fresh-optimizer");
        else
        {
            string option = change.Split(' ')[0], value = change.Split(' ')[1];
            if (args.IndexOf(option) is int at and >= 0) args[at + 1] = value;
            else args.AddRange([option, value]);
        }
        args.AddRange(["--data-dir", dir.File("no-data-here")]); // a data folder the command would create and fill
        var r = FileFixtures.WithinSeconds(60, () => CliRunner.Run([.. args]));
        Assert.Equal(1, r.Code);
        Assert.Equal($"vae: {Path.Combine(run, "checkpoint")}: {problem}", Assert.Single(r.Err.TrimEnd().Split('\n')));
        Assert.False(Directory.Exists(dir.File("no-data-here")));
        Assert.Equal(before, FileFixtures.Snapshot(run));
    }

    [Fact]
    public void The_readme_recipe_continues_the_committed_checkpoint_for_one_more_epoch_with_a_fresh_optimizer()
    {
        using var dir = new TempDir();
        string run = CommittedCopy(dir);
        var args = ReadmeRecipe();
        args[args.IndexOf("--out") + 1] = run;
        args[args.IndexOf("--epochs") + 1] = "31";
        args.AddRange(["--limit", "64"]);
        var (code, _, err) = CliRunner.Run([.. args]);
        Assert.True(code == 0, err);
        Assert.Contains("optimizer.pt is missing; the optimizer starts fresh (--fresh-optimizer)", err);
        var state = Vae.Core.Checkpoints.Checkpoint.ReadState(Path.Combine(run, "checkpoint"));
        Assert.Equal(31, state.Epoch);
        var (code2, _, err2) = CliRunner.Run([.. args.Where(a => a != "--fresh-optimizer")]); // now with its optimizer.pt: resumes without the flag
        Assert.True(code2 == 0, err2);
        Assert.DoesNotContain("optimizer starts fresh", err2);
    }
}
