using System.Text.Json.Nodes;
using TorchSharp;
using Vae.Core.Checkpoints;
using Vae.Core.Training;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>A damaged trainer.json is one clear error naming the field, never a null reference or a native crash.</summary>
public sealed class TrainerJsonDamageTests
{
    static string Checkpointed(TempDir dir)
    {
        using var train = Synthetic.Images(64, 1);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(train, null), Synthetic.At(dir.File("ckpt")));
        File.Delete(dir.File("ckpt/manifest.json")); // as a committed checkpoint: the JSON itself is what is checked
        return dir.File("ckpt");
    }

    [Theory]
    [InlineData("training", null, "training is missing")]
    [InlineData("model", null, "model is missing")]
    [InlineData("generatorState", "not base64 !!", "generatorState is not base64")]
    [InlineData("history", "[null]", "history is missing or has empty entries")]
    public void A_damaged_field_is_named(string field, string? json, string expected)
    {
        using var dir = new TempDir();
        string ckpt = Checkpointed(dir);
        string path = Path.Combine(ckpt, "trainer.json");
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        root[field] = json is null ? null : field == "history" ? JsonNode.Parse(json) : JsonValue.Create(json);
        File.WriteAllText(path, root.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(ckpt));
        Assert.Contains("trainer.json is corrupt", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_generator_state_of_the_wrong_length_is_refused_before_it_reaches_the_generator()
    {
        using var dir = new TempDir();
        string ckpt = Checkpointed(dir);
        string path = Path.Combine(ckpt, "trainer.json");
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        root["generatorState"] = Convert.ToBase64String(new byte[17]);
        File.WriteAllText(path, root.ToJsonString());
        using var train = Synthetic.Images(64, 1);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var e = Assert.Throws<CheckpointException>(() => Trainer.Fit(model, Synthetic.Fast(2), new TrainingData(train, null), Synthetic.At(ckpt, new TrainingOptions(Resume: true))));
        Assert.Contains("generatorState has 17 bytes, a generator state has", e.Message);
    }

    [Fact]
    public void A_model_config_edited_to_billions_of_parameters_is_refused_before_any_weight_is_built()
    {
        using var dir = new TempDir();
        string ckpt = Checkpointed(dir);
        string path = Path.Combine(ckpt, "trainer.json");
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        root["model"]!["hiddenDim"] = 65_536;
        root["model"]!["convChannels"] = new JsonArray(4096);
        File.WriteAllText(path, root.ToJsonString());
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(ckpt, torch.CPU));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 64L << 20);
        Assert.Contains("parameters, more than the 100,000,000 allowed", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }
}
