using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using TorchSharp;
using Vae.Core.Checkpoints;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;
using Vae.Core.Metrics;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// A damaged checkpoint is never taken for none: the three states, the refusals of training over damage (with and without
/// Resume, the folder byte for byte the same afterwards), resuming only with the whole state, regular files only with
/// bounded reads, and a manifest that cannot reach outside its folder. Each case of issue 26's probe is here by name.
/// </summary>
public sealed class CheckpointDamageTests
{
    static string Damaged(string ckpt, string problem) =>
        $"{ckpt}: the checkpoint is damaged ({problem}) and no intact copy is beside it; restore that file, or start over with `train --restart` or `reproduce --force`, which move the folder aside instead of deleting it";

    static void FlipOneBit(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, bytes);
    }

    static void Replace(string path, Action<string> make)
    {
        File.Delete(path);
        make(path);
    }

    static void Link(string path, string target) => Replace(path, p => File.CreateSymbolicLink(p, target));

    static void Fifo(string path) => FileFixtures.Fifo(path);

    static TrainingHistory Train(string ckpt, bool resume, int epochs = 2, double emaDecay = 0)
    {
        using var images = Synthetic.Images(128, 1);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 1, torch.CPU);
        return Trainer.Fit(model, Synthetic.Fast(epochs) with { EmaDecay = emaDecay }, new TrainingData(images, null), Synthetic.At(ckpt, new TrainingOptions { Resume = resume }));
    }

    [Theory]
    [InlineData("optimizer.pt", true)]
    [InlineData("optimizer.pt", false)]
    [InlineData("model.safetensors", true)]
    [InlineData("model.safetensors", false)]
    public void Training_over_a_checkpoint_with_one_flipped_bit_is_refused_with_or_without_resume_and_leaves_it_byte_for_byte(string file, bool resume)
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Train(ckpt, resume: false, epochs: 1);
        FlipOneBit(Path.Combine(ckpt, file));
        var before = FileFixtures.Snapshot(dir.Path);
        Assert.Equal(CheckpointCondition.Damaged, CheckpointStatus.Of(ckpt).Condition);
        var e = Assert.Throws<CheckpointException>(() => Train(ckpt, resume));
        Assert.Equal(Damaged(ckpt, $"{file} does not match its manifest.json: another size or SHA-256"), e.Message);
        Assert.Equal(before, FileFixtures.Snapshot(dir.Path)); // the refused run's lock file is gone too
    }

    [Fact]
    public void An_averaging_run_without_its_training_weights_is_damaged_not_absent()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Train(ckpt, resume: false, epochs: 1, emaDecay: 0.9);
        File.Delete(Path.Combine(ckpt, "training.safetensors"));
        var e = Assert.Throws<CheckpointException>(() => Train(ckpt, resume: true, emaDecay: 0.9));
        Assert.Equal(Damaged(ckpt, "training.safetensors does not exist"), e.Message);
        Assert.True(File.Exists(Path.Combine(ckpt, "model.safetensors")));
    }

    [Fact]
    public void A_checkpoint_without_optimizer_state_does_not_resume_silently_and_resumes_with_a_notice_when_asked()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Train(ckpt, resume: false, epochs: 1);
        File.Delete(Path.Combine(ckpt, "manifest.json"));   // the committed results/ layout: weights and trainer.json only
        File.Delete(Path.Combine(ckpt, "optimizer.pt"));
        Assert.True(Checkpoint.Exists(ckpt));                // complete for evaluating
        var e = Assert.Throws<CheckpointException>(() => Train(ckpt, resume: true));
        Assert.Equal($"{ckpt}: optimizer.pt is missing (or not in manifest.json), so the optimizer's state cannot be restored; resume with --fresh-optimizer to continue with a fresh optimizer, or train again in another folder", e.Message);

        using var images = Synthetic.Images(128, 1);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 1, torch.CPU);
        var notices = new List<string>();
        var history = Trainer.Fit(model, Synthetic.Fast(2), new TrainingData(images, null), Synthetic.At(ckpt, new TrainingOptions { Resume = true, OnNotice = notices.Add, FreshOptimizer = true }));
        Assert.Equal(2, history.Epochs.Count);               // epoch 1 from the checkpoint, epoch 2 trained
        Assert.Equal([$"{ckpt}: optimizer.pt is missing; the optimizer starts fresh (--fresh-optimizer): its moment estimates start from zero, so the first steps differ from an uninterrupted run"], notices);
    }

    [Fact]
    public void An_optimizer_file_left_out_of_the_manifest_is_not_restored_from()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Train(ckpt, resume: false, epochs: 1);
        string manifest = Path.Combine(ckpt, "manifest.json");
        var entries = JsonNode.Parse(File.ReadAllText(manifest))!.AsArray();
        entries.Remove(entries.Single(x => (string)x!["Name"]! == "optimizer.pt"));
        File.WriteAllText(manifest, entries.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => Train(ckpt, resume: true));
        Assert.StartsWith($"{ckpt}: optimizer.pt is missing (or not in manifest.json)", e.Message);
    }

    [Fact]
    public void A_trained_checkpoint_whose_trainer_json_records_no_epoch_is_not_retrained_from_its_weights()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        Train(ckpt, resume: false, epochs: 1);
        File.Delete(Path.Combine(ckpt, "manifest.json"));
        string state = Path.Combine(ckpt, "trainer.json");
        var root = JsonNode.Parse(File.ReadAllText(state))!.AsObject();
        root["epoch"] = 0;
        root["history"] = new JsonArray();
        File.WriteAllText(state, root.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => Train(ckpt, resume: true));
        Assert.Equal($"{ckpt}: trainer.json records no finished epoch, so there is nothing to resume (training saves after each epoch; this folder was written by something else); train in another folder", e.Message);
    }

    [Theory]
    [InlineData("trainer.json", "/dev/zero", "trainer.json is a character device, not a regular file")]
    [InlineData("manifest.json", "/dev/zero", "manifest.json is a character device, not a regular file")]
    [InlineData("model.safetensors", "/dev/urandom", "model.safetensors is a character device, not a regular file")]
    [InlineData("model.safetensors", "/nonexistent/x", "model.safetensors is a symbolic link to nothing")]
    public void A_checkpoint_file_linked_to_a_device_is_damage_in_one_line_without_reading_it(string file, string target, string problem)
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt, 1);
        Link(Path.Combine(ckpt, file), target);
        var (e, allocated) = FileFixtures.WithinSecondsAllocating(20, () => Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(ckpt, torch.CPU)));
        Assert.True(allocated < 64 << 20, $"{allocated:N0} bytes allocated");
        Assert.Equal(Damaged(ckpt, problem), e.Message);
    }

    [Fact]
    public void A_fifo_in_place_of_the_weights_is_damage_and_is_never_opened()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt, 1);
        File.Delete(Path.Combine(ckpt, "manifest.json"));
        Fifo(Path.Combine(ckpt, "model.safetensors"));
        var e = FileFixtures.WithinSeconds(20, () => Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(ckpt, torch.CPU)));
        Assert.Equal(Damaged(ckpt, "model.safetensors is a FIFO (named pipe), not a regular file"), e.Message);
    }

    [Fact]
    public void A_trainer_json_over_its_bound_is_refused_before_it_is_read()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt, 1);
        File.Delete(Path.Combine(ckpt, "manifest.json"));
        using (var f = File.OpenWrite(Path.Combine(ckpt, "trainer.json"))) f.SetLength(176_000_000); // sparse: no disk used
        long before = GC.GetAllocatedBytesForCurrentThread(); // this thread's count: parallel tests do not add to it
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(ckpt));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16 << 20, $"{allocated:N0} bytes allocated");
        Assert.Equal(Damaged(ckpt, "trainer.json is 176,000,000 bytes, more than the 8,388,608 a trainer.json can hold"), e.Message);
    }

    [Theory]
    [InlineData("""[{"Name":"../../etc/hostname","Bytes":1,"Sha256":"00"}]""", "manifest.json names '../../etc/hostname', which is not a file a checkpoint holds (model.safetensors, optimizer.pt, trainer.json, training.safetensors)")]
    [InlineData("""[{"Name":"/dev/zero","Bytes":0,"Sha256":"00"}]""", "manifest.json names '/dev/zero', which is not a file a checkpoint holds (model.safetensors, optimizer.pt, trainer.json, training.safetensors)")]
    [InlineData("""[{"Name":null,"Bytes":1,"Sha256":"00"}]""", "manifest.json's entry 1 lacks a name or a SHA-256")]
    [InlineData("""[null]""", "manifest.json's entry 1 lacks a name or a SHA-256")]
    [InlineData("null", "manifest.json lists no files")]
    [InlineData("[]", "manifest.json lists no files")]
    [InlineData("""{"Name":"trainer.json"}""", "manifest.json is not a valid manifest (a JSON list of names, sizes and SHA-256s)")]
    [InlineData("""[{"Name":"trainer.json","Bytes":1,"Sha256":"00"}]""", "manifest.json does not list model.safetensors")]
    [InlineData("""[{"Name":"model.safetensors","Bytes":1,"Sha256":"00"}]""", "manifest.json does not list trainer.json")]
    public void A_manifest_that_names_anything_but_a_checkpoint_file_is_damage(string manifest, string problem)
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt, 1);
        File.WriteAllText(Path.Combine(ckpt, "manifest.json"), manifest);
        var status = CheckpointStatus.Of(ckpt);
        Assert.Equal(CheckpointCondition.Damaged, status.Condition);
        Assert.Equal(problem, status.Problem);
    }

    [Theory]
    [InlineData(5_000, "manifest.json lists model.safetensors twice")]                                              // 17 s of hashing before
    [InlineData(200_000, "manifest.json is 24,000,001 bytes, more than the 1,048,576 a manifest.json can hold")]    // over 60 s before
    public void A_manifest_of_many_entries_is_refused_before_any_is_hashed(int count, string problem)
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt, 1);
        string manifest = Path.Combine(ckpt, "manifest.json");
        var one = JsonNode.Parse(File.ReadAllText(manifest))!.AsArray()[0]!.ToJsonString();
        File.WriteAllText(manifest, "[" + string.Join(",", Enumerable.Repeat(one, count)) + "]");
        var watch = Stopwatch.StartNew();
        Assert.Equal(problem, CheckpointStatus.Of(ckpt).Problem);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public void An_optimizer_archive_that_lacks_a_tensor_its_pickle_names_says_so()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt, 1);
        File.Delete(Path.Combine(ckpt, "manifest.json"));
        using (var zip = ZipFile.Open(Path.Combine(ckpt, "optimizer.pt"), ZipArchiveMode.Update))
            zip.Entries.First(x => x.FullName.Contains("/data/", StringComparison.Ordinal) && !x.FullName.EndsWith(".pkl", StringComparison.Ordinal)).Delete();
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 1, torch.CPU);
        using var optimizer = Trainer.CreateOptimizer(model, Synthetic.Fast(1));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Restore(ckpt, model, optimizer, null));
        Assert.Equal($"{ckpt}: optimizer.pt lacks a tensor that its pickle refers to (an entry of its data/ folder is missing); the file is damaged", e.Message);
    }

    [Fact]
    public void Moving_a_damaged_checkpoint_aside_keeps_every_byte_and_leaves_no_checkpoint()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt, 1);
        FlipOneBit(Path.Combine(ckpt, "optimizer.pt"));
        var before = FileFixtures.Snapshot(ckpt);
        string aside = Checkpoint.MoveAside(ckpt)!;
        Assert.Matches(@"\.aside-\d{8}-\d{6}$", aside);
        Assert.Equal(before, FileFixtures.Snapshot(aside));
        Assert.Equal(CheckpointCondition.None, CheckpointStatus.Of(ckpt).Condition);
        Assert.Null(Checkpoint.MoveAside(ckpt));
    }

    [Fact]
    public void A_repair_that_finds_damage_at_DIR_beside_a_complete_copy_moves_it_aside_instead_of_deleting_it()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        EpochCheckpoints.Save(ckpt + ".old", 1);
        Directory.CreateDirectory(ckpt);
        File.WriteAllText(Path.Combine(ckpt, "trainer.json"), "{}");
        EpochCheckpoints.Save(ckpt, 2);
        Assert.Equal(2, Checkpoint.ReadState(ckpt).Epoch);
        string aside = Assert.Single(Directory.GetDirectories(dir.Path, "ckpt.aside-*"));
        Assert.Equal("{}", File.ReadAllText(Path.Combine(aside, "trainer.json")));
    }

    [Theory]
    [InlineData(1, "no epoch had finished, so there is no checkpoint")]
    [InlineData(3, "the last good checkpoint (epoch 2) is kept")]
    public void The_divergence_message_says_which_checkpoint_is_left(int epoch, string left)
    {
        Assert.Equal($"training diverged: loss is NaN at epoch {epoch}, step 4; {left}; try a lower learning rate", new TrainingDivergedException(epoch, 4, double.NaN, savesCheckpoints: true).Message);
        Assert.Equal($"training diverged: loss is NaN at epoch {epoch}, step 4; this run saves no checkpoint; try a lower learning rate", new TrainingDivergedException(epoch, 4, double.NaN, savesCheckpoints: false).Message);
    }
}
