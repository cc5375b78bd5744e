using Vae.Core.Config;
using Xunit;

namespace Vae.Tests.Unit.Core;

public sealed class ConfigTests
{
    [Fact]
    public void Defaults_are_valid_and_match_the_seed_protocol()
    {
        var t = ConfigValidator.Validate(new TrainingConfig());
        Assert.Equal(128, t.BatchSize);
        Assert.Equal(1e-3, t.LearningRate);
        Assert.Equal(OptimizerKind.Adam, t.Optimizer);
        Assert.Equal((0.9, 0.999), (t.Beta1, t.Beta2));
        ConfigValidator.Validate(new ModelConfig());
        ConfigValidator.Validate(ModelConfig.ConvRgb32(200));
        ConfigValidator.Validate(ModelConfig.PaperMlp(20));
    }

    [Theory]
    [InlineData("LatentDim", "LatentDim must be in [1, 4096], got 0")]
    [InlineData("HiddenDim", "HiddenDim must be in [1, 65536], got -5")]
    [InlineData("ExtraConvsPerLevel", "ExtraConvsPerLevel must be in [0, 8], got 9")]
    [InlineData("DecoderDropout", "DecoderDropout must be in [0, 1), got 1")]
    [InlineData("ConvChannels", "Height and Width must be divisible by 2^3 = 8 for 3 stride-2 convolutions, got 28x28")]
    public void Invalid_model_configs_name_the_field_and_its_valid_range(string field, string message)
    {
        var bad = field switch
        {
            "LatentDim" => new ModelConfig { LatentDim = 0 },
            "HiddenDim" => new ModelConfig { HiddenDim = -5 },
            "ExtraConvsPerLevel" => new ModelConfig { ExtraConvsPerLevel = 9 },
            "DecoderDropout" => new ModelConfig { DecoderDropout = 1 },
            _ => new ModelConfig { ConvChannels = [8, 16, 32] },
        };
        var e = Assert.Throws<ArgumentException>(() => ConfigValidator.Validate(bad));
        Assert.Equal(field, e.ParamName);
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Invalid_training_configs_name_the_field_and_its_valid_range()
    {
        var e = Assert.Throws<ArgumentException>(() => ConfigValidator.Validate(new TrainingConfig { Beta2 = 1.0 }));
        Assert.Equal("Beta2", e.ParamName);
        Assert.StartsWith("Beta2 must be in [0, 1), got 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => ConfigValidator.Validate(new TrainingConfig { EmaDecay = 1 }));
        Assert.Equal("EmaDecay", e.ParamName);
        Assert.StartsWith("EmaDecay must be in [0, 1), got 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => ConfigValidator.Validate(new Placement { Device = "tpu" }));
        Assert.StartsWith("Device must be one of auto, cpu, cuda, got 'tpu'", e.Message);
        e = Assert.Throws<ArgumentException>(() => ConfigValidator.Validate(new Placement { EvalEvery = 0 }));
        Assert.Equal("EvalEvery", e.ParamName);
    }

    [Fact]
    public void Configs_round_trip_through_json()
    {
        var model = ModelConfig.ConvRgb32(200) with { Likelihood = Likelihood.Gaussian, ExtraConvsPerLevel = 2, DecoderDropout = 0.25 };
        var training = new TrainingConfig { Epochs = 7, EmaDecay = 0.999, Optimizer = OptimizerKind.Adagrad, Binarization = Binarization.Dynamic, Schedule = LearningRateSchedule.Cosine };
        Assert.Equal(model, ConfigJson.ParseModel(ConfigJson.Serialize(model)));
        Assert.Equal(training, ConfigJson.ParseTraining(ConfigJson.Serialize(training)));
    }

    [Fact]
    public void An_unknown_json_key_is_an_error_not_a_silently_ignored_typo()
    {
        var e = Assert.Throws<ArgumentException>(() => ConfigJson.ParseTraining("""{ "epochs": 3, "learningRat": 0.1 }"""));
        Assert.Contains("learningRat", e.Message);
    }

    [Fact]
    public void Json_values_out_of_range_are_rejected_by_the_same_validation()
    {
        var e = Assert.Throws<ArgumentException>(() => ConfigJson.ParseModel("""{ "latentDim": 0 }"""));
        Assert.Equal("LatentDim", e.ParamName);
    }

    [Fact]
    public void A_model_config_keeps_its_own_copy_of_the_channel_list()
    {
        int[] channels = [8, 16];
        var config = new ModelConfig { ConvChannels = channels };
        channels[0] = 999;
        Assert.Equal([8, 16], config.ConvChannels);
        Assert.False(config.ConvChannels is IList<int> { IsReadOnly: false }, "the config hands out a list that can be changed");
    }

    [Fact]
    public void Model_configs_are_equal_exactly_when_every_field_is_with_the_channel_list_compared_by_value()
    {
        var a = new ModelConfig { ConvChannels = [8, 16] };
        var b = new ModelConfig { ConvChannels = new List<int> { 8, 16 } }; // another list, the same values
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal("[8, 16]", a.ConvChannels.ToString());
        // One variant per property (reflection finds them all, so a new field without a variant fails here).
        ModelConfig[] variants =
        [
            a with { Channels = 3 }, a with { Height = 32 }, a with { Width = 32 }, a with { LatentDim = 3 },
            a with { Architecture = Architecture.Mlp }, a with { ConvChannels = [8, 17] }, a with { ConvChannels = [8] },
            a with { ExtraConvsPerLevel = 1 }, a with { HiddenDim = 255 }, a with { DecoderDropout = 0.5 },
            a with { Likelihood = Likelihood.Gaussian }, a with { GaussianStd = 0.2 }, a with { MlpInitStd = 0.02 },
        ];
        Assert.All(variants, v => Assert.NotEqual(a, v));
        var properties = typeof(ModelConfig).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).ToHashSet();
        var varied = variants.Select(v => properties.Single(p => !Equals(typeof(ModelConfig).GetProperty(p)!.GetValue(v), typeof(ModelConfig).GetProperty(p)!.GetValue(a)))).ToHashSet();
        Assert.Equal(properties.Order(), varied.Order());
    }
}
