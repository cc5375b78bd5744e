using TorchSharp;
using TorchSharp.Modules;
using Vae.Core.Config;
using Vae.Core.Evaluation;
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
        var config = Synthetic.Fast(1, dir.File("run")) with { LearningRate = 3e-3 };
        using (var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) Trainer.Fit(model, config, data);
        // The same model trained with step size 0.5 elsewhere: its optimizer.pt is the "edited" file.
        using (var other = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) Trainer.Fit(other, config with { LearningRate = 0.5, CheckpointDir = dir.File("other") }, data);
        File.Copy(dir.File("other/optimizer.pt"), dir.File("run/optimizer.pt"), overwrite: true);
        File.Delete(dir.File("run/manifest.json")); // a legacy folder: the hash check would otherwise refuse the edit first

        var notices = new List<string>();
        var rates = new List<double>();
        using var resumed = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        Trainer.Fit(resumed, config with { Epochs = 2 }, data, new TrainingOptions(Resume: true)
        {
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
        var config = Synthetic.Fast(1, dir.File("run"));
        using (var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) Trainer.Fit(model, config, data);
        // The same layers with 48 hidden units instead of 32: as many moment buffers, other shapes.
        var wider = Synthetic.SmallConv with { HiddenDim = 48 };
        using (var other = Trainer.CreateModel(wider, 3, torch.CPU)) Trainer.Fit(other, config with { CheckpointDir = dir.File("other") }, data);
        File.Copy(dir.File("other/optimizer.pt"), dir.File("run/optimizer.pt"), overwrite: true);
        File.Delete(dir.File("run/manifest.json"));

        using var resumed = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var e = Assert.Throws<Vae.Core.Checkpoints.CheckpointException>(() => Trainer.Fit(resumed, config with { Epochs = 2 }, data, new TrainingOptions(Resume: true)));
        Assert.Contains("optimizer.pt holds a moment buffer of shape", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void An_optimizer_file_with_a_two_megabyte_pickle_is_refused_before_it_is_unpickled()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(128, 4);
        var config = Synthetic.Fast(1, dir.File("run"));
        using (var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU)) Trainer.Fit(model, config, new TrainingData(images, null));
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
        var e = Assert.Throws<Vae.Core.Checkpoints.CheckpointException>(() => Trainer.Fit(resumed, config with { Epochs = 2 }, new TrainingData(images, null), new TrainingOptions(Resume: true)));
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
}
