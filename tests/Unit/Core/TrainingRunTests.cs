using System.Text.Json;
using TorchSharp;
using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Core.Training;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// The one run object of vae train and reproduce: one lock, one decision about the checkpoint already there (refuse,
/// resume, restart), the resume refusals before any data, config.json and history.json. Expected values: the files and
/// folders on disk, read back directly.
/// </summary>
public sealed class TrainingRunTests
{
    static readonly TrainingConfig Protocol = Synthetic.Fast(1);

    static void TrainOnce(TrainingRun run)
    {
        using var images = Synthetic.Images(64, 1);
        using var model = Trainer.CreateModel(run.Model, run.Protocol.Seed, torch.CPU);
        run.Train(model, new TrainingData(images, null), new TrainingOptions { Placement = new() { Device = "cpu" } });
    }

    static string Finished(TempDir dir, TrainingConfig? protocol = null)
    {
        string folder = dir.File("run");
        using var run = TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv, protocol ?? Protocol, ExistingCheckpoint.Refuse);
        TrainOnce(run);
        return folder;
    }

    [Fact]
    public void A_run_writes_its_checkpoint_config_and_history_in_its_folder_and_the_config_holds_the_protocol_only()
    {
        using var dir = new TempDir();
        string folder = Finished(dir);
        Assert.Equal(1, Checkpoint.ReadState(Path.Combine(folder, "checkpoint")).Epoch);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
        Assert.Equal(["model", "training"], config.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Protocol, ConfigJson.ParseTraining(config.RootElement.GetProperty("training").GetRawText()));
        Assert.False(config.RootElement.GetProperty("training").TryGetProperty("checkpointDir", out _));
        using var history = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "history.json")));
        Assert.Equal(1, history.RootElement.GetProperty("epochs").GetArrayLength());
    }

    [Fact]
    public void A_complete_checkpoint_is_refused_unless_resumed_or_restarted_and_the_folder_is_left_as_it_was()
    {
        using var dir = new TempDir();
        string folder = Finished(dir);
        var before = FileFixtures.Snapshot(dir.Path);
        var e = Assert.Throws<CheckpointException>(() => TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv, Protocol, ExistingCheckpoint.Refuse));
        Assert.StartsWith($"{folder} already holds a checkpoint;", e.Message);
        Assert.Equal(before, FileFixtures.Snapshot(dir.Path));
    }

    [Fact]
    public void Restart_moves_the_checkpoint_aside_byte_for_byte_and_trains_from_epoch_one()
    {
        using var dir = new TempDir();
        string folder = Finished(dir), ckpt = Path.Combine(folder, "checkpoint");
        var old = FileFixtures.Snapshot(ckpt);
        var notices = new List<string>();
        using (var run = TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv, Protocol with { Epochs = 2 }, ExistingCheckpoint.Restart, notice: notices.Add))
        {
            Assert.False(run.Resumes);
            TrainOnce(run);
        }
        string aside = Assert.Single(Directory.GetDirectories(folder, "checkpoint.aside-*"));
        Assert.Equal(old, FileFixtures.Snapshot(aside));
        Assert.StartsWith($"moved the checkpoint aside to {ckpt}.aside-", Assert.Single(notices));
        Assert.Equal(2, Checkpoint.ReadState(ckpt).Epoch);
    }

    [Fact]
    public void Resume_continues_the_checkpoint_and_says_so_or_says_there_is_none()
    {
        using var dir = new TempDir();
        var notices = new List<string>();
        string fresh = dir.File("fresh");
        using (var run = TrainingRun.Open(RunFolders.In(fresh), Synthetic.SmallConv, Protocol, ExistingCheckpoint.Resume, notice: notices.Add))
            Assert.False(run.Resumes);
        Assert.Equal($"no checkpoint in {Path.Combine(fresh, "checkpoint")} to resume; starting at epoch 1", Assert.Single(notices));

        string folder = Finished(dir);
        notices.Clear();
        using (var run = TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv, Protocol with { Epochs = 2 }, ExistingCheckpoint.Resume, notice: notices.Add))
        {
            Assert.True(run.Resumes);
            TrainOnce(run);
        }
        Assert.Equal($"continuing the run in {Path.Combine(folder, "checkpoint")}", Assert.Single(notices));
        var state = Checkpoint.ReadState(Path.Combine(folder, "checkpoint"));
        Assert.Equal(2, state.Epoch);
        Assert.Equal(2, state.History.Count);
    }

    [Fact]
    public void A_resume_with_another_protocol_is_refused_when_the_run_opens_before_any_data_exists()
    {
        using var dir = new TempDir();
        string folder = Finished(dir);
        var e = Assert.Throws<CheckpointException>(() =>
            TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv, Protocol with { Epochs = 2, BatchSize = 32 }, ExistingCheckpoint.Resume));
        Assert.Contains("batchSize: 64 in the checkpoint, 32 asked for", e.Message);
        using var again = TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv, Protocol with { Epochs = 2 }, ExistingCheckpoint.Resume); // the refusal released the lock
    }

    [Fact]
    public void A_second_run_on_the_same_folder_is_refused_while_the_first_is_open()
    {
        using var dir = new TempDir();
        string folder = dir.File("run");
        using var first = TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv, Protocol, ExistingCheckpoint.Refuse);
        var e = Assert.Throws<CheckpointException>(() => TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv, Protocol, ExistingCheckpoint.Resume));
        Assert.Contains($"is being written by process {Environment.ProcessId}", e.Message);
    }

    [Fact]
    public void A_run_without_a_records_folder_locks_its_checkpoint_folder_once_and_writes_only_the_checkpoint()
    {
        // reproduce's seeds: the checkpoint folder is the run's folder, and the run keeps no config.json or history.json.
        using var dir = new TempDir();
        string ckpt = dir.File("seed-1");
        using (var run = TrainingRun.Open(new RunFolders(ckpt), Synthetic.SmallConv, Protocol, ExistingCheckpoint.Resume))
            TrainOnce(run); // Fit does not claim the folder the run holds
        Assert.Equal(1, Checkpoint.ReadState(ckpt).Epoch);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.json"));
        Assert.False(File.Exists(Path.Combine(ckpt, "config.json")));
    }

    [Fact]
    public void An_invalid_model_or_protocol_is_refused_before_the_folder_is_claimed()
    {
        using var dir = new TempDir();
        string folder = dir.File("run");
        Assert.Throws<ArgumentException>(() => TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv with { LatentDim = 0 }, Protocol, ExistingCheckpoint.Refuse));
        Assert.Throws<ArgumentException>(() => TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv, Protocol with { BatchSize = 0 }, ExistingCheckpoint.Refuse));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path)); // no lock file, no folder
    }

    [Fact]
    public void A_damaged_checkpoint_is_refused_by_a_resume_and_moved_aside_by_a_restart_saying_it_was_damaged()
    {
        using var dir = new TempDir();
        string folder = Finished(dir), ckpt = Path.Combine(folder, "checkpoint");
        byte[] weights = File.ReadAllBytes(Path.Combine(ckpt, "model.safetensors"));
        weights[^1] ^= 1;
        File.WriteAllBytes(Path.Combine(ckpt, "model.safetensors"), weights);
        var before = FileFixtures.Snapshot(dir.Path);
        var e = Assert.Throws<CheckpointException>(() => TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv, Protocol, ExistingCheckpoint.Resume));
        Assert.Contains("the checkpoint is damaged", e.Message);
        Assert.Equal(before, FileFixtures.Snapshot(dir.Path));
        var notices = new List<string>();
        using (TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv, Protocol, ExistingCheckpoint.Restart, notice: notices.Add)) { }
        Assert.StartsWith($"moved the damaged checkpoint aside to {ckpt}.aside-", Assert.Single(notices));
    }

    [Fact]
    public void Config_json_is_there_before_the_first_step_of_a_new_run_and_a_resume_rewrites_it_only_after_its_first_epoch()
    {
        using var dir = new TempDir();
        string folder = dir.File("run"), config = Path.Combine(folder, "config.json");
        using var images = Synthetic.Images(64, 1);
        var seenAtFirstStep = new List<string?>();
        var epochs = new List<int>();
        TrainingOptions Watching()
        {
            bool first = true; // config.json as the first step of this Train call finds it
            return new()
            {
                Placement = new() { Device = "cpu" },
                OnEpoch = m => epochs.Add(m.Epoch),
                Trace = t => { if (first) seenAtFirstStep.Add(File.Exists(config) ? File.ReadAllText(config) : null); first = false; },
            };
        }
        using (var run = TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv, Protocol, ExistingCheckpoint.Refuse))
        using (var model = Trainer.CreateModel(run.Model, Protocol.Seed, torch.CPU))
            run.Train(model, new TrainingData(images, null), Watching());
        Assert.NotNull(Assert.Single(seenAtFirstStep)); // written before training began
        Assert.Equal([1], epochs);             // the caller's epoch callback still runs

        File.WriteAllText(config, "from before the resume");
        seenAtFirstStep.Clear();
        using (var run = TrainingRun.Open(RunFolders.In(folder), Synthetic.SmallConv, Protocol with { Epochs = 2 }, ExistingCheckpoint.Resume))
        using (var model = Trainer.CreateModel(run.Model, Protocol.Seed, torch.CPU))
            run.Train(model, new TrainingData(images, null), Watching());
        Assert.Equal("from before the resume", seenAtFirstStep.Single()); // the checkpoint had not yet accepted the settings
        Assert.Contains("\"epochs\": 2", File.ReadAllText(config));          // after the epoch, the run's own config
        Assert.Equal([1, 2], epochs);
    }
}
