using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;
using Vae.Core.Models;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// <see cref="TrainingConfig.EmaDecay"/>: an exponential moving average of the weights, a ← d·a + (1 − d)·w after each step
/// from the initial weights; evaluated, saved as model.safetensors, training weights kept for resuming.
/// </summary>
public sealed class WeightAverageTests
{
    static void Set(Vae.Core.Models.VariationalAutoencoder model, float value)
    {
        using var _ = torch.no_grad();
        foreach (var p in model.parameters()) p.fill_(value);
    }

    [Fact]
    public void The_average_after_two_updates_is_the_recursion_written_out_and_a_swap_exchanges_it_with_the_weights()
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 1, torch.CPU);
        Set(model, 1);
        using var average = new WeightAverage(model, 0.9);
        Set(model, 2);
        average.Update(model);
        Set(model, 4);
        average.Update(model);
        // a₀ = 1, a₁ = 0.9·1 + 0.1·2 = 1.1, a₂ = 0.9·1.1 + 0.1·4 = 1.39.
        average.Swap(model);
        Assert.All(Synthetic.Weights(model), v => Assert.Equal(1.39f, v, 5));
        average.Swap(model);
        Assert.All(Synthetic.Weights(model), v => Assert.Equal(4f, v));
    }

    [Fact]
    public void Fit_leaves_in_the_model_the_average_of_the_weights_after_every_step_and_trains_as_without_it()
    {
        using var images = Synthetic.Images(100, 6);
        const double d = 0.8;
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var average = Synthetic.Weights(model).Select(v => (double)v).ToArray();
        float[] last = [];
        Trainer.Fit(model, Synthetic.Fast(2) with { EmaDecay = d }, new TrainingData(images, null), new TrainingOptions
        {
            OnStep = _ =>
            {
                last = Synthetic.Weights(model); // the training weights after the step
                for (int i = 0; i < average.Length; i++) average[i] = d * average[i] + (1 - d) * last[i];
            },
        });
        var held = Synthetic.Weights(model);
        Assert.Equal(average.Length, held.Length);
        for (int i = 0; i < held.Length; i++) Assert.Equal(average[i], held[i], 4);
        Assert.NotEqual(last, held);

        using var plain = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        Trainer.Fit(plain, Synthetic.Fast(2), new TrainingData(images, null));
        Assert.Equal(Synthetic.Weights(plain), last); // averaging does not change what training does
    }

    [Fact]
    public void Each_evaluated_epoch_reports_the_average_as_its_test_loss_and_the_training_weights_beside_it()
    {
        using var images = Synthetic.Images(100, 6);
        using var test = Synthetic.Images(40, 7);
        using var averaged = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var history = Trainer.Fit(averaged, Synthetic.Fast(2) with { EmaDecay = 0.9 }, new TrainingData(images, test));
        using var plain = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var plainHistory = Trainer.Fit(plain, Synthetic.Fast(2), new TrainingData(images, test));

        var final = history.Epochs[^1];
        Assert.Equal(Evaluator.Evaluate(averaged, test, 500), final.Test);
        Assert.Equal(plainHistory.Epochs[^1].Test, final.TestTrainingWeights);
        Assert.NotEqual(final.Test, final.TestTrainingWeights);
        Assert.Null(plainHistory.Epochs[^1].TestTrainingWeights);
        Assert.DoesNotContain("testTrainingWeights", ConfigJson.Serialize(plainHistory.Epochs[^1]));
        Assert.Contains("testTrainingWeights", ConfigJson.Serialize(final));
    }

    [Fact]
    public void The_checkpoint_holds_the_average_as_its_model_and_the_training_weights_beside_it()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        using var images = Synthetic.Images(100, 6);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        Trainer.Fit(model, Synthetic.Fast(1) with { EmaDecay = 0.9 }, new TrainingData(images, null), Synthetic.At(ckpt));
        var (loaded, _) = Checkpoint.LoadModel(ckpt, torch.CPU);
        using (loaded) Assert.Equal(Synthetic.Weights(model), Synthetic.Weights(loaded));

        using var plain = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        Trainer.Fit(plain, Synthetic.Fast(1), new TrainingData(images, null));
        using var training = Trainer.CreateModel(Synthetic.SmallConv, 0, torch.CPU);
        training.load_safetensors(Path.Combine(ckpt, "training.safetensors"));
        Assert.Equal(Synthetic.Weights(plain), Synthetic.Weights(training));
        var manifest = JsonSerializer.Deserialize<List<JsonElement>>(File.ReadAllText(Path.Combine(ckpt, "manifest.json")))!;
        Assert.Contains(manifest, e => e.GetProperty("Name").GetString() == "training.safetensors");
    }

    [Fact]
    public void A_resumed_averaging_run_ends_with_the_same_average_and_weights_as_an_uninterrupted_one()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(100, 6);
        var config = Synthetic.Fast(3) with { EmaDecay = 0.9 };
        using var whole = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        Trainer.Fit(whole, config, new TrainingData(images, null), Synthetic.At(dir.File("whole")));

        string ckpt = dir.File("resumed");
        using (var first = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU))
            Trainer.Fit(first, config with { Epochs = 1 }, new TrainingData(images, null), Synthetic.At(ckpt));
        using var resumed = Trainer.CreateModel(Synthetic.SmallConv, 99, torch.CPU); // other initial weights: all must come from the checkpoint
        Trainer.Fit(resumed, config, new TrainingData(images, null), Synthetic.At(ckpt, new TrainingOptions(Resume: true)));

        Assert.Equal(Synthetic.Weights(whole), Synthetic.Weights(resumed));
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir.File("whole"), "training.safetensors")), File.ReadAllBytes(Path.Combine(ckpt, "training.safetensors")));
    }

    [Fact]
    public void Resuming_an_averaging_run_whose_folder_holds_only_the_average_is_refused_with_what_is_missing()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("ckpt");
        using var images = Synthetic.Images(64, 6);
        var config = Synthetic.Fast(2) with { EmaDecay = 0.9 };
        using (var first = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU))
            Trainer.Fit(first, config with { Epochs = 1 }, new TrainingData(images, null), Synthetic.At(ckpt));
        // What a committed checkpoint keeps: model.safetensors and trainer.json only.
        foreach (string name in new[] { "training.safetensors", "optimizer.pt", "manifest.json" }) File.Delete(Path.Combine(ckpt, name));
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var e = Assert.Throws<CheckpointException>(() => Trainer.Fit(model, config, new TrainingData(images, null), Synthetic.At(ckpt, new TrainingOptions(Resume: true))));
        Assert.Equal($"{ckpt}: training.safetensors is missing; a run that averages its weights resumes from its training weights, and this folder holds only the average (model.safetensors); train again in another folder", e.Message);
    }
}
