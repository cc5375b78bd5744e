using System.Text.Json;
using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Experiments.Runs;
using Vae.Tests.Unit.Cli;
using Xunit;

namespace Vae.Tests.Unit.Runs;

/// <summary>
/// The protocol (TrainingConfig) apart from its placement (device, checkpoint folder, cadence): files written before the
/// split still read, the placement is never written, and reproduce's run folders keep their names.
/// </summary>
public sealed class ProtocolPlacementTests
{
    [Fact]
    public void A_training_config_written_with_its_placement_reads_as_the_protocol_and_is_written_without_it()
    {
        // The shape every trainer.json, config.json and metrics.json had before the split.
        const string legacy = """
            { "dataset": "fashion-mnist", "epochs": 60, "batchSize": 128, "learningRate": 0.001, "schedule": "cosine",
              "seed": 1, "device": "auto", "evalEvery": 1, "checkpointDir": "/work/runs/fashion-mnist-z2-long/seed-1", "binarization": "none" }
            """;
        var protocol = ConfigJson.ParseTraining(legacy);
        Assert.Equal(new TrainingConfig { Dataset = "fashion-mnist", Epochs = 60, Schedule = LearningRateSchedule.Cosine }, protocol);
        using var written = JsonDocument.Parse(ConfigJson.Serialize(protocol));
        foreach (string key in new[] { "device", "evalEvery", "checkpointDir" })
            Assert.False(written.RootElement.TryGetProperty(key, out _), $"{key} was written with the protocol");
        // Any other unknown key is still an error: only the three placement keys are forgiven.
        Assert.Throws<ArgumentException>(() => ConfigJson.ParseTraining("""{ "dataset": "mnist", "lerningRate": 1 }"""));
    }

    [Theory]
    [InlineData("mnist-z2-warmup", true)]        // trainer.json as written before the split: device, evalEvery, checkpointDir
    [InlineData("fashion-mnist-z2-long", false)] // its three placement lines removed (they named a folder of the machine that trained it)
    public void The_committed_checkpoints_read_and_pass_the_resume_check_with_or_without_the_old_placement_keys(string name, bool legacy)
    {
        string run = Path.Combine(CliRunner.RepoRoot(), "results", name, "checkpoint");
        Assert.Equal(legacy, File.ReadAllText(Path.Combine(run, "trainer.json")).Contains("\"checkpointDir\""));
        var entry = Entries.All.Single(e => e.Name == name);
        // The resume check compares the stored protocol with the entry's: equal, placement or not.
        var state = Checkpoint.CheckResume(CheckpointStatus.Of(run), entry.Model, entry.Training with { Seed = 1 },
            averaging: entry.Training.EmaDecay > 0, restoresOptimizer: false, freshOptimizer: false);
        Assert.Equal(entry.Training.Epochs, state.Epoch);
        Assert.DoesNotContain("checkpointDir", ConfigJson.Serialize(state.Training));
    }

    [Theory]
    // Computed by Reproducer.ConfigKey on commit ea611ab, before the protocol and its placement were split
    // (reflection over the built vae.dll of that commit, every entry's model and training config).
    [InlineData("mnist-z2", "d5910b485a06")]
    [InlineData("fashion-mnist-z2", "0642cfe839c1")]
    [InlineData("mnist-z2-deep", "62513d8d2afd")]
    [InlineData("fashion-mnist-z2-long", "f5c722a8853d")]
    [InlineData("mnist-z2-warmup", "deab448ed8ec")]
    [InlineData("svhn-z200", "af374ddbfa13")]
    [InlineData("mnist-z16", "96a4af7db297")]
    [InlineData("fashion-mnist-z200", "251504cf8fd1")]
    public void Reproduce_keeps_the_run_folder_names_it_used_before_the_split(string entry, string key)
    {
        var e = Entries.All.Single(x => x.Name == entry);
        Assert.Equal(key, Reproducer.ConfigKey(e.Model, e.Training));
    }
}
