using System.Text;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.PyBridge;
using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Core.Training;
using Xunit;
using Vae.Core.Metrics;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// The edges of the checkpoint layout: the size bounds of each file (derived from the parameter budget), moving a
/// run aside with everything beside it, a file where the folder should be, an empty folder beside a complete copy,
/// a history out of order, the public Restore without optimizer state, and the weights file's padding and dtype.
/// </summary>
public sealed class CheckpointLayoutTests
{
    /// <summary>A sparse file of <paramref name="bytes"/> bytes (no disk is used).</summary>
    static void Sparse(string path, long bytes)
    {
        using var f = File.Create(path);
        f.SetLength(bytes);
    }

    [Theory]
    // The largest honest weights: 4 bytes for each of the budget's parameters, the 8-byte length, a header of at most 16 MiB.
    [InlineData("model.safetensors", 4 * ConfigValidator.MaxParameters + 8 + (16 << 20))]
    [InlineData("training.safetensors", 4 * ConfigValidator.MaxParameters + 8 + (16 << 20))]
    // Adam's two moments and the step for every parameter (3 × 4 bytes), the pickle (1 MiB) and the zip's own entries (1 MiB).
    [InlineData("optimizer.pt", 3 * 4 * ConfigValidator.MaxParameters + (1 << 20) + (1 << 20))]
    [InlineData("trainer.json", 8 << 20)]
    [InlineData("manifest.json", 1 << 20)]
    public void Each_checkpoint_file_may_be_as_large_as_its_bound_and_not_a_byte_more(string name, long bound)
    {
        using var dir = new TempDir();
        Sparse(dir.File(name), bound);
        Assert.Null(CheckpointFiles.Problem(dir.Path, name));
        Sparse(dir.File(name), bound + 1);
        string problem = $"{name} is {bound + 1:N0} bytes, more than the {bound:N0} a {name} can hold";
        Assert.Equal(problem, CheckpointFiles.Problem(dir.Path, name));
        // The readers refuse it themselves too, with the damage line, whatever the caller examined before.
        string damaged = CheckpointFiles.Damaged(dir.Path, problem).Message;
        Assert.Equal(damaged, Assert.Throws<CheckpointException>(() => CheckpointFiles.ReadText(dir.Path, name, dir.Path)).Message);
        Assert.Equal(damaged, Assert.Throws<CheckpointException>(() => CheckpointFiles.OpenRead(dir.Path, name, dir.Path)).Message);
    }

    [Fact]
    public void Moving_aside_takes_the_temporary_and_old_copies_too_under_one_name_and_never_reuses_a_name()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt, 1);
        EpochCheckpoints.Save(ckpt + ".tmp", 2);
        EpochCheckpoints.Save(ckpt + ".old", 3);
        string aside = Checkpoint.MoveAside(ckpt)!;
        Assert.Equal(1, Checkpoint.ReadState(aside).Epoch);
        Assert.Equal(2, Checkpoint.ReadState(aside + ".tmp").Epoch);
        Assert.Equal(3, Checkpoint.ReadState(aside + ".old").Epoch);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path, "ckpt").Concat(Directory.GetFileSystemEntries(dir.Path, "ckpt.tmp")).Concat(Directory.GetFileSystemEntries(dir.Path, "ckpt.old")));

        File.WriteAllText(ckpt, "a file where the folder should be");   // moved aside too, as a file
        string second = Checkpoint.MoveAside(ckpt)!;
        Assert.NotEqual(aside, second);
        if (second.StartsWith(aside, StringComparison.Ordinal)) Assert.Equal(aside + "-2", second);   // the same second: a fresh name
        Assert.Equal("a file where the folder should be", File.ReadAllText(second));
        Assert.True(Directory.Exists(aside));
    }

    [Fact]
    public void An_aside_name_is_taken_while_any_of_its_three_forms_exists_and_the_next_number_is_tried()
    {
        using var dir = new TempDir();
        string full = dir.File("ckpt");
        var now = new DateTime(2026, 11, 29, 3, 4, 5);
        Assert.Equal(full + ".aside-20261129-030405", SaveProtocol.AsideName(full, now));
        File.WriteAllText(full + ".aside-20261129-030405.old", "");          // only its .old form exists: taken
        Directory.CreateDirectory(full + ".aside-20261129-030405-2.tmp");    // only its .tmp form exists: taken
        Assert.Equal(full + ".aside-20261129-030405-3", SaveProtocol.AsideName(full, now));
        Directory.CreateDirectory(full + ".aside-20261129-030405-3");
        Assert.Equal(full + ".aside-20261129-030405-4", SaveProtocol.AsideName(full, now));
    }

    [Fact]
    public void Moving_aside_only_an_old_copy_returns_its_new_place()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt + ".old", 4);
        string moved = Checkpoint.MoveAside(ckpt)!;
        Assert.EndsWith(".old", moved);
        Assert.Equal(4, Checkpoint.ReadState(moved).Epoch);
    }

    [Fact]
    public void A_file_where_the_checkpoint_folder_should_be_is_damage()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        File.WriteAllText(ckpt, "x");
        var status = CheckpointStatus.Of(ckpt);
        Assert.Equal(CheckpointCondition.Damaged, status.Condition);
        Assert.Equal("ckpt is a file, not a checkpoint folder", status.Problem);
    }

    [Fact]
    public void An_empty_folder_beside_a_complete_old_copy_gives_way_to_it()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt + ".old", 1);
        Directory.CreateDirectory(ckpt);
        EpochCheckpoints.Save(ckpt, 2);
        Assert.Equal(2, Checkpoint.ReadState(ckpt).Epoch);
        Assert.Empty(Directory.GetDirectories(dir.Path, "ckpt.aside-*"));   // nothing was there to keep
    }

    [Fact]
    public void A_history_whose_entries_are_not_epochs_one_two_three_is_corrupt()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt, 2);
        File.Delete(Path.Combine(ckpt, "manifest.json"));
        string path = Path.Combine(ckpt, "trainer.json");
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        root["history"]![1]!["epoch"] = 3;
        File.WriteAllText(path, root.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(ckpt));
        Assert.Equal($"{ckpt}: trainer.json is corrupt (history entry 2 is for epoch 3); restore it, or start over with `train --restart`", e.Message);
    }

    [Fact]
    public void The_public_restore_refuses_a_checkpoint_without_optimizer_state_when_given_an_optimizer()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt, 1);
        File.Delete(Path.Combine(ckpt, "manifest.json"));
        File.Delete(Path.Combine(ckpt, "optimizer.pt"));
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 1, torch.CPU);
        using var optimizer = Trainer.CreateOptimizer(model, Synthetic.Fast(1));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Restore(ckpt, model, optimizer, null));
        Assert.StartsWith($"{ckpt}: optimizer.pt is missing (or not in manifest.json)", e.Message);
        Checkpoint.Restore(ckpt, model, null, null);   // without an optimizer there is nothing to restore it into
    }

    [Fact]
    public void The_weights_header_is_padded_with_fewer_than_eight_spaces()
    {
        using var dir = new TempDir();
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 7, torch.CPU);
        SafetensorsFile.Write(dir.File("w.safetensors"), model);
        var bytes = File.ReadAllBytes(dir.File("w.safetensors"));
        int header = (int)BitConverter.ToInt64(bytes, 0);
        string text = Encoding.UTF8.GetString(bytes, 8, header);
        Assert.InRange(text.Length - text.TrimEnd(' ').Length, 0, 7);
        Assert.EndsWith("}", text.TrimEnd(' '));
    }

    [Fact]
    public void Weights_that_are_not_float32_are_refused_by_name()
    {
        using var dir = new TempDir();
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 7, torch.CPU);
        model.to(torch.float64);
        var e = Assert.Throws<InvalidOperationException>(() => SafetensorsFile.Write(dir.File("w.safetensors"), model));
        Assert.Equal($"parameter '{model.named_parameters().First().name}' is Float64; checkpoints hold float32", e.Message);
    }
}

/// <summary>Restoring a run that averages its weights, and resuming across the averaging setting.</summary>
public sealed class AveragedCheckpointRestoreTests
{
    static Vae.Core.Metrics.TrainingHistory Train(string ckpt, double emaDecay, bool resume, int epochs)
    {
        using var images = Synthetic.Images(128, 1);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 1, torch.CPU);
        return Trainer.Fit(model, Synthetic.Fast(epochs) with { EmaDecay = emaDecay }, new TrainingData(images, null), Synthetic.At(ckpt, new TrainingOptions { Resume = resume }));
    }

    [Fact]
    public void The_public_restore_of_an_averaging_run_loads_the_average_that_model_safetensors_holds()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Train(ckpt, 0.9, resume: false, epochs: 1);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 5, torch.CPU);
        Checkpoint.Restore(ckpt, model, null, null);
        using var saved = Trainer.CreateModel(Synthetic.SmallConv, 6, torch.CPU);
        saved.load_safetensors(Path.Combine(ckpt, "model.safetensors"), strict: true);   // TorchSharp.PyBridge's reader: independent of ours
        Assert.Equal(Synthetic.Weights(saved), Synthetic.Weights(model));
    }

    [Fact]
    public void Resuming_a_plain_run_with_averaging_is_refused_as_another_protocol()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Train(ckpt, 0, resume: false, epochs: 1);
        var e = Assert.Throws<CheckpointException>(() => Train(ckpt, 0.9, resume: true, epochs: 2));
        Assert.StartsWith($"{ckpt}: the checkpoint was trained with another protocol (", e.Message);
        Assert.Contains("emaDecay", e.Message);
    }
}
