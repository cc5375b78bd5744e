using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

/// <summary>The training config is the protocol: an optimizer.pt with other settings contributes its moments only.</summary>
public sealed class OptimizerProtocolTests
{
    [Fact]
    public void A_resumed_optimizer_file_with_another_step_size_is_named_and_the_configs_step_size_is_used()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(128, 4);
        var data = new TrainingData(images, null);
        var config = Synthetic.Fast(1) with { LearningRate = 3e-3 };
        using (var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) Trainer.Fit(model, config, data, Synthetic.At(dir.File("run")));
        // The same model trained with step size 0.5 elsewhere: its optimizer.pt is the "edited" file.
        using (var other = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) Trainer.Fit(other, config with { LearningRate = 0.5 }, data, Synthetic.At(dir.File("other")));
        File.Copy(dir.File("other/optimizer.pt"), dir.File("run/optimizer.pt"), overwrite: true);
        File.Delete(dir.File("run/manifest.json")); // a legacy folder: the hash check would otherwise refuse the edit first

        var notices = new List<string>();
        var rates = new List<double>();
        using var resumed = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        Trainer.Fit(resumed, config with { Epochs = 2 }, data, new TrainingOptions(Resume: true)
        {
            Placement = Synthetic.On(dir.File("run")),
            OnNotice = notices.Add,
            Trace = t => rates.Add(t.Optimizer.ParamGroups.Single().LearningRate),
        });

        Assert.Contains(notices, n => n.Contains("lr 0.5 in the file, 0.003 in the config"));
        Assert.Equal(2, rates.Count); // epoch 2 of 128 images at batch 64
        Assert.All(rates, r => Assert.Equal(3e-3, r));
    }

    [Fact]
    public void An_optimizer_file_with_moment_buffers_of_other_shapes_is_refused_before_the_first_step()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(128, 4);
        var data = new TrainingData(images, null);
        var config = Synthetic.Fast(1);
        using (var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) Trainer.Fit(model, config, data, Synthetic.At(dir.File("run")));
        // The same layers with 48 hidden units instead of 32: as many moment buffers, other shapes.
        var wider = Synthetic.SmallConv with { HiddenDim = 48 };
        using (var other = Trainer.CreateModel(wider, 3, torch.CPU)) Trainer.Fit(other, config, data, Synthetic.At(dir.File("other")));
        File.Copy(dir.File("other/optimizer.pt"), dir.File("run/optimizer.pt"), overwrite: true);
        File.Delete(dir.File("run/manifest.json"));

        using var resumed = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var e = Assert.Throws<Vae.Core.Checkpoints.CheckpointException>(() => Trainer.Fit(resumed, config with { Epochs = 2 }, data, new TrainingOptions(Resume: true) { Placement = Synthetic.On(dir.File("run")) }));
        Assert.Matches(@"optimizer\.pt holds a moment buffer of shape \[48, \d+\] for parameter \d+ of shape \[32, \d+\]; the file is damaged or belongs to another model$", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void An_optimizer_file_with_a_two_megabyte_pickle_is_refused_before_it_is_unpickled()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(128, 4);
        var config = Synthetic.Fast(1);
        using (var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) Trainer.Fit(model, config, new TrainingData(images, null), Synthetic.At(dir.File("run")));
        // Rewrite the torch.save archive with a 2 MB string in place of its pickle (the hostile case cost 2.5 GB unchecked).
        string pt = dir.File("run/optimizer.pt");
        using (var zip = System.IO.Compression.ZipFile.Open(pt, System.IO.Compression.ZipArchiveMode.Update))
        {
            var pickle = zip.Entries.Single(e => e.Name == "data.pkl");
            string name = pickle.FullName;
            pickle.Delete();
            using var stream = zip.CreateEntry(name).Open();
            stream.Write(System.Text.Encoding.ASCII.GetBytes(new string('a', 2_000_000)));
        }
        File.Delete(dir.File("run/manifest.json"));

        using var resumed = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<Vae.Core.Checkpoints.CheckpointException>(() => Trainer.Fit(resumed, config with { Epochs = 2 }, new TrainingData(images, null), new TrainingOptions(Resume: true) { Placement = Synthetic.On(dir.File("run")) }));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 64L << 20);
        Assert.Contains("data.pkl is 2,000,000 bytes", e.Message);
    }

    [Fact]
    public void Every_differing_optimizer_setting_is_named_with_both_values_and_applying_restores_the_config()
    {
        var config = new Vae.Core.Checkpoints.OptimizerSettings(1e-3, 0.9, 0.999, 1e-8, 0);
        var file = new Vae.Core.Checkpoints.OptimizerSettings(0.5, 0.5, 0.99, 1e-6, 0.01);
        Assert.Equal("lr 0.5 in the file, 0.001 in the config; beta1 0.5 in the file, 0.9 in the config; beta2 0.99 in the file, 0.999 in the config; "
            + "eps 1E-06 in the file, 1E-08 in the config; weight_decay 0.01 in the file, 0 in the config", config.Differences(file));
        Assert.Equal("", config.Differences(config with { }));

        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        using var optimizer = torch.optim.Adam(model.parameters(), 0.5, 0.5, 0.99, 1e-6, 0.01);
        var group = optimizer.ParamGroups.Single();
        config.Apply(group);
        Assert.Equal(config, Vae.Core.Checkpoints.OptimizerSettings.Of(group));
    }

    /// <summary>A finished one-epoch run of <see cref="Synthetic.SmallConv"/> in DIR/run, its manifest removed so optimizer.pt can be replaced.</summary>
    static (string Run, TrainingData Data, TrainingConfig Config) FinishedRun(TempDir dir, Tensor images)
    {
        var data = new TrainingData(images, null);
        var config = Synthetic.Fast(1);
        using (var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) Trainer.Fit(model, config, data, Synthetic.At(dir.File("run")));
        File.Delete(dir.File("run/manifest.json"));
        return (dir.File("run"), data, config);
    }

    static void WriteZip(string path, params (string Name, long Bytes)[] entries)
    {
        File.Delete(path);
        using var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create);
        foreach (var (name, bytes) in entries)
        {
            using var stream = zip.CreateEntry(name).Open();
            var zeros = new byte[1 << 16];
            for (long left = bytes; left > 0; left -= zeros.Length) stream.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
        }
    }

    static string ResumeError(string run, TrainingData data, TrainingConfig config)
    {
        using var resumed = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        return Assert.Throws<Vae.Core.Checkpoints.CheckpointException>(() => Trainer.Fit(resumed, config with { Epochs = 2 }, data, new TrainingOptions(Resume: true) { Placement = Synthetic.On(run) })).Message;
    }

    [Fact]
    public void An_optimizer_archive_may_hold_three_times_the_weights_plus_a_megabyte_and_not_a_byte_more()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(64, 4);
        var (run, data, config) = FinishedRun(dir, images);
        // The bound counted here from the parameters' shapes (float32: 4 bytes each).
        long weights;
        using (var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) weights = 4 * model.parameters().Sum(p => p.numel());
        long bound = 3 * weights + (1 << 20);
        WriteZip(Path.Combine(run, "optimizer.pt"), ("archive/data.pkl", 100), ("archive/data/0", bound - 100 + 1));
        Assert.EndsWith($"optimizer.pt claims {bound + 1:N0} bytes of content, more than the {bound:N0} this model's optimizer state can hold; the file is damaged or belongs to another model", ResumeError(run, data, config));

        WriteZip(Path.Combine(run, "optimizer.pt"), ("archive/data.pkl", 100), ("archive/data/0", bound - 100));  // exactly the bound: read, and found corrupt
        Assert.Contains("optimizer.pt is corrupt (", ResumeError(run, data, config));
    }

    [Fact]
    public void A_pickle_of_exactly_one_megabyte_is_read_and_only_pickles_are_held_to_that_size()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(64, 4);
        var (run, data, config) = FinishedRun(dir, images);
        WriteZip(Path.Combine(run, "optimizer.pt"), ("archive/data.pkl", 1 << 20));
        Assert.Contains("optimizer.pt is corrupt (", ResumeError(run, data, config));
        WriteZip(Path.Combine(run, "optimizer.pt"), ("archive/data.pkl", 100), ("archive/data/0", (1 << 20) + 1));  // a buffer over 1 MB is fine
        Assert.Contains("optimizer.pt is corrupt (", ResumeError(run, data, config));
    }

    [Fact]
    public void An_optimizer_file_that_is_not_a_zip_is_not_a_torch_save_archive()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(64, 4);
        var (run, data, config) = FinishedRun(dir, images);
        File.WriteAllText(Path.Combine(run, "optimizer.pt"), "not a zip archive at all");
        Assert.Contains("optimizer.pt is not a torch.save archive (", ResumeError(run, data, config));
    }
}
