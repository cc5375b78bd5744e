using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Models;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// The parameter count a config implies is known before any weight exists, so a config (from the CLI or a
/// trainer.json) cannot ask for gigabytes. Expected values: the parameters of the model actually built.
/// </summary>
public sealed class ParameterBudgetTests
{
    public static TheoryData<ModelConfig> Configs => new()
    {
        new ModelConfig(),
        new ModelConfig { HiddenDim = 256, ExtraConvsPerLevel = 1 },
        new ModelConfig { ConvChannels = [16, 32, 64], Height = 32, Width = 32, Channels = 3, ExtraConvsPerLevel = 2, LatentDim = 7 },
        ModelConfig.PaperMlp(20),
        ModelConfig.PaperMlp(3) with { Likelihood = Likelihood.GaussianLearnedVariance },
        new ModelConfig { Likelihood = Likelihood.GaussianLearnedVariance, ConvChannels = [8] },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void The_count_from_the_config_equals_the_parameters_of_the_built_model(ModelConfig config)
    {
        using var generator = new torch.Generator(1);
        using var model = new VariationalAutoencoder(config, generator);
        Assert.Equal(model.parameters().Sum(p => p.numel()), LayerPlan.ParameterCount(config));
    }

    [Fact]
    public void A_config_over_the_budget_is_refused_before_anything_is_allocated()
    {
        var huge = new ModelConfig { HiddenDim = 65_536, ConvChannels = [4096], Height = 64, Width = 64 }; // 4096·32·32·65536 ≈ 2.7e11 weights
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ArgumentException>(() => ConfigValidator.Validate(huge));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1 << 20);
        Assert.Contains("100,000,000 allowed", e.Message);
        Assert.Equal(nameof(ModelConfig.HiddenDim), e.ParamName);
    }
}
