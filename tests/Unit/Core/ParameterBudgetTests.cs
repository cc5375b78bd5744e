using Vae.Core.Config;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// The parameter count a config implies is known before any weight exists (LayerPlanTests checks it against the
/// built models), so a config from the CLI or a trainer.json cannot ask for gigabytes.
/// </summary>
public sealed class ParameterBudgetTests
{
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
