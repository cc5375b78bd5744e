using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using TorchSharp;
using Vae.Core.Checkpoints;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// What makes a checkpoint folder complete (its manifest lists every file with the size and SHA-256 computed here),
/// which folder loading and repair take when a crash left several, and the one-line errors for each damage.
/// </summary>
public sealed class CheckpointIntegrityTests
{
    static void Save(string dir, int epoch) => EpochCheckpoints.Save(dir, epoch);

    static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    static void FlipLastByte(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void The_manifest_lists_every_other_file_in_ordinal_order_with_its_size_and_sha256()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Save(ckpt, 2);
        var entries = JsonNode.Parse(File.ReadAllText(Path.Combine(ckpt, "manifest.json")))!.AsArray();
        Assert.Equal(new[] { "model.safetensors", "optimizer.pt", "trainer.json" }, entries.Select(e => (string)e!["Name"]!));
        foreach (var e in entries)
        {
            string file = Path.Combine(ckpt, (string)e!["Name"]!);
            Assert.Equal(new FileInfo(file).Length, (long)e["Bytes"]!);
            Assert.Equal(Sha256(file), (string)e["Sha256"]!);
        }
    }

    [Theory]
    [InlineData("model.safetensors", "flip")]
    [InlineData("optimizer.pt", "flip")]      // a file after the first: the message names the damaged one
    [InlineData("trainer.json", "flip")]
    [InlineData("optimizer.pt", "truncate")]
    [InlineData("optimizer.pt", "delete")]
    [InlineData("model.safetensors", "delete")]
    public void A_file_that_does_not_match_the_manifest_is_named_when_no_intact_copy_is_beside_it(string file, string damage)
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Save(ckpt, 1);
        string path = Path.Combine(ckpt, file);
        switch (damage)
        {
            case "flip": FlipLastByte(path); break;  // same size, another SHA-256
            case "truncate": File.WriteAllBytes(path, File.ReadAllBytes(path)[..^1]); break;
            default: File.Delete(path); break;
        }
        Assert.False(Checkpoint.Exists(ckpt));
        var status = CheckpointStatus.Of(ckpt);
        Assert.Equal(CheckpointCondition.Damaged, status.Condition);
        string problem = damage == "delete" ? $"{file} does not exist" : $"{file} does not match its manifest.json: another size or SHA-256";
        Assert.Equal(problem, status.Problem);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(ckpt));
        Assert.Equal($"{ckpt}: the checkpoint is damaged ({problem}) and no intact copy is beside it; restore that file, or start over with `train --restart` or `reproduce --force`, which move the folder aside instead of deleting it", e.Message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("not json")]
    public void An_empty_or_unreadable_manifest_makes_the_folder_damaged(string manifest)
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Save(ckpt, 1);
        File.WriteAllText(Path.Combine(ckpt, "manifest.json"), manifest);
        Assert.False(Checkpoint.Exists(ckpt));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(ckpt));
        Assert.Equal(CheckpointCondition.Damaged, CheckpointStatus.Of(ckpt).Condition); // the files are there: never "no checkpoint"
        Assert.StartsWith($"{ckpt}: the checkpoint is damaged (" + (manifest == "[]"
            ? "manifest.json lists no files)"
            : "manifest.json is not a valid manifest (a JSON list of names, sizes and SHA-256s))"), e.Message);
    }

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("trainer.json")]
    public void A_folder_without_a_manifest_needs_both_the_weights_and_trainer_json(string missing)
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Save(ckpt, 1);
        File.Delete(Path.Combine(ckpt, "manifest.json"));
        Assert.True(Checkpoint.Exists(ckpt)); // as committed checkpoints are: weights and trainer.json suffice
        File.Delete(Path.Combine(ckpt, missing));
        Assert.False(Checkpoint.Exists(ckpt));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(ckpt));
        Assert.StartsWith($"{ckpt}: the checkpoint is damaged ({missing} does not exist)", e.Message);
    }

    [Fact]
    public void A_complete_temporary_folder_is_newer_than_a_complete_old_one()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Save(ckpt + ".old", 1);
        Save(ckpt + ".tmp", 2);
        Assert.Equal(2, Checkpoint.ReadState(ckpt).Epoch);
        Save(ckpt, 3);  // the save repairs first, then replaces: one folder is left
        Assert.Equal(3, Checkpoint.ReadState(ckpt).Epoch);
        Assert.False(Directory.Exists(ckpt + ".tmp") || Directory.Exists(ckpt + ".old"));
    }

    [Fact]
    public void A_temporary_folder_without_its_manifest_is_never_taken_even_when_it_holds_weights_and_trainer_json()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Save(ckpt + ".old", 1);
        Save(ckpt + ".tmp", 2);
        File.Delete(Path.Combine(ckpt + ".tmp", "manifest.json"));  // a crash before the manifest was written
        Assert.Equal(1, Checkpoint.ReadState(ckpt).Epoch);
    }

    [Fact]
    public void An_incomplete_folder_is_replaced_by_the_complete_old_copy_beside_it()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Save(ckpt + ".old", 1);
        Directory.CreateDirectory(ckpt);
        File.WriteAllText(Path.Combine(ckpt, "trainer.json"), "{}");  // half a folder
        var (model, state) = Checkpoint.LoadModel(ckpt, torch.CPU);
        model.Dispose();
        Assert.Equal(1, state.Epoch);
        Save(ckpt, 2);
        Assert.Equal(2, Checkpoint.ReadState(ckpt).Epoch);
        Assert.False(Directory.Exists(ckpt + ".old"));
    }

    [Fact]
    public void A_save_over_an_empty_folder_beside_a_damaged_old_copy_is_refused_and_deletes_nothing()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Directory.CreateDirectory(ckpt);
        Directory.CreateDirectory(ckpt + ".old");
        File.WriteAllText(Path.Combine(ckpt + ".old", "trainer.json"), "{}");
        // A save moves DIR to DIR.old only once DIR.tmp is complete: an incomplete DIR.old alone is damage, not a crash.
        var e = Assert.Throws<CheckpointException>(() => Save(ckpt, 1));
        Assert.Equal($"{ckpt}: the checkpoint is damaged (in ckpt.old: model.safetensors does not exist) and no intact copy is beside it; restore that file, or start over with `train --restart` or `reproduce --force`, which move the folder aside instead of deleting it", e.Message);
        Assert.Equal("{}", File.ReadAllText(Path.Combine(ckpt + ".old", "trainer.json")));
        Assert.False(Directory.Exists(ckpt + ".tmp"));
    }

    [Fact]
    public void An_empty_folder_and_nothing_beside_it_is_no_checkpoint()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Assert.Equal(new CheckpointStatus(ckpt, CheckpointCondition.None, null, null), CheckpointStatus.Of(ckpt));
        Directory.CreateDirectory(ckpt);
        Assert.Equal(CheckpointCondition.None, CheckpointStatus.Of(ckpt).Condition);
        Assert.Equal($"{ckpt}: no checkpoint here (expected model.safetensors and trainer.json); train first or check the path", CheckpointStatus.Of(ckpt).Error().Message);
        Save(ckpt, 1);
        Assert.Equal(new CheckpointStatus(ckpt, CheckpointCondition.Complete, ckpt, null), CheckpointStatus.Of(ckpt));
        // A complete folder has no error to give: asking for one is a programming error, said as such.
        Assert.Equal("a complete checkpoint has no error", Assert.Throws<InvalidOperationException>(() => CheckpointStatus.Of(ckpt).Error()).Message);
    }

    static string Edited(TempDir dir, Action<JsonObject> edit)
    {
        string ckpt = dir.File("ckpt");
        Save(ckpt, 2);
        File.Delete(Path.Combine(ckpt, "manifest.json"));  // the JSON itself is what is checked
        string path = Path.Combine(ckpt, "trainer.json");
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
        return ckpt;
    }

    [Fact]
    public void Another_format_version_is_refused_by_name()
    {
        using var dir = new TempDir();
        string ckpt = Edited(dir, root => root["format"] = "vae-checkpoint/9");
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(ckpt));
        Assert.Equal($"{ckpt}: checkpoint format 'vae-checkpoint/9' is not vae-checkpoint/1", e.Message);
    }

    [Fact]
    public void An_epoch_that_disagrees_with_the_history_is_corrupt_even_without_a_history()
    {
        using var dir = new TempDir();
        string ckpt = Edited(dir, root => root["epoch"] = 5);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(ckpt));
        Assert.Equal($"{ckpt}: trainer.json is corrupt (epoch is 5 but the history has 2 entries); restore it, or start over with `train --restart`", e.Message);

        // An epoch without its history is no exception (the committed NLL checkpoints have epoch 0 and no history).
        using var other = new TempDir();
        string bare = Edited(other, root => { root["epoch"] = 7; root["history"] = new JsonArray(); });
        Assert.Equal($"{bare}: trainer.json is corrupt (epoch is 7 but the history has 0 entries); restore it, or start over with `train --restart`",
            Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(bare)).Message);
    }

    [Fact]
    public void A_missing_generator_state_is_corrupt_and_an_empty_one_means_no_generator()
    {
        using var dir = new TempDir();
        string ckpt = Edited(dir, root => root.Remove("generatorState"));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(ckpt));
        Assert.Contains("trainer.json is corrupt (generatorState is missing)", e.Message);

        using var other = new TempDir();
        string empty = Edited(other, root => root["generatorState"] = "");
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 1, torch.CPU);
        using var generator = new Generator(42);
        using var before = generator.get_state();
        Checkpoint.Restore(empty, model, null, generator);
        using var after = generator.get_state();
        Assert.Equal(before.data<byte>().ToArray(), after.data<byte>().ToArray()); // an empty state leaves the generator as it was
    }

    [Fact]
    public void An_invalid_training_config_in_trainer_json_is_corrupt_with_the_validators_reason()
    {
        using var dir = new TempDir();
        string ckpt = Edited(dir, root => root["training"]!["batchSize"] = 0);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(ckpt));
        Assert.StartsWith($"{ckpt}: trainer.json is corrupt (BatchSize", e.Message);
    }

    [Fact]
    public void Restoring_into_a_model_of_another_config_names_the_difference()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Save(ckpt, 1);
        using var model = Trainer.CreateModel(Synthetic.SmallConv with { LatentDim = 3 }, 1, torch.CPU);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Restore(ckpt, model, null, null));
        Assert.StartsWith($"{ckpt}: the checkpoint was made for a different model (", e.Message);
        Assert.Contains("latentDim: 2 in the checkpoint, 3 asked for", e.Message);
        Assert.EndsWith("); resume with the same options or use another folder", e.Message);
    }

    [Fact]
    public void Restoring_with_the_same_settings_and_no_generator_gives_no_notice_and_the_saved_weights()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Save(ckpt, 2);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 9, torch.CPU);
        using var optimizer = Trainer.CreateOptimizer(model, Synthetic.Fast(2));
        var notices = new List<string>();
        var state = Checkpoint.Restore(ckpt, model, optimizer, null, notices.Add);
        Assert.Equal(2, state.Epoch);
        Assert.Empty(notices);
        Assert.Equal(EpochCheckpoints.WeightsOf(2), Synthetic.Weights(model));
    }

    [Fact]
    public void An_optimizer_file_that_is_a_zip_but_not_a_pickle_is_corrupt()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Save(ckpt, 1);
        File.Delete(Path.Combine(ckpt, "manifest.json"));
        string path = Path.Combine(ckpt, "optimizer.pt");
        File.Delete(path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var entry = zip.CreateEntry("archive/data.pkl").Open())
            entry.Write(Enumerable.Range(0, 100).Select(i => (byte)(i * 37)).ToArray());
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 1, torch.CPU);
        using var optimizer = Trainer.CreateOptimizer(model, Synthetic.Fast(1));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Restore(ckpt, model, optimizer, null));
        Assert.StartsWith($"{ckpt}: optimizer.pt is corrupt (", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    static void SaveCrashingAfterRepair(string dir, int epoch) => EpochCheckpoints.Save(dir, epoch, SaveProtocol.SaveStep.Repaired);

    /// <summary>The epoch written in DIR/trainer.json itself (not what loading would resolve to).</summary>
    static int EpochOnDisk(string dir) => (int)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "trainer.json")))!["epoch"]!;

    [Fact]
    public void The_repair_puts_a_complete_temporary_folder_back_at_DIR_before_anything_is_written()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Save(ckpt + ".old", 1);
        Save(ckpt + ".tmp", 2);
        SaveCrashingAfterRepair(ckpt, 3);
        Assert.Equal(2, EpochOnDisk(ckpt));
        Assert.False(Directory.Exists(ckpt + ".tmp"));
    }

    [Fact]
    public void The_repair_replaces_an_incomplete_DIR_by_the_complete_old_copy()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Save(ckpt + ".old", 1);
        Directory.CreateDirectory(ckpt);
        File.WriteAllText(Path.Combine(ckpt, "trainer.json"), "{}");
        SaveCrashingAfterRepair(ckpt, 2);
        Assert.Equal(1, EpochOnDisk(ckpt));
        Assert.False(Directory.Exists(ckpt + ".old"));
    }

    [Fact]
    public void The_repair_never_promotes_a_temporary_folder_without_its_manifest()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Save(ckpt + ".old", 1);
        Save(ckpt + ".tmp", 2);
        File.Delete(Path.Combine(ckpt + ".tmp", "manifest.json"));
        SaveCrashingAfterRepair(ckpt, 3);
        Assert.Equal(1, EpochOnDisk(ckpt));
    }
}
