using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Training;
using Vae.Experiments.Bench;
using Xunit;

namespace Vae.Tests.Unit.Bench;

public sealed class FlopCountTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_weight_of_the_model_has_one_row_in_the_flop_table(int extraConvs)
    {
        var config = new ModelConfig { ConvChannels = [4, 8], HiddenDim = 16, ExtraConvsPerLevel = extraConvs };
        using var model = Trainer.CreateModel(config, 1, torch.CPU);
        var weights = model.named_parameters().Select(p => p.name).Where(n => n.EndsWith(".weight")).ToList();
        var rows = FlopCount.Layers(config);
        // Every weight tensor of the built model is one row, and every row one weight tensor.
        Assert.Equal(weights.Order(), rows.Select(r => r.Name + ".weight").Order());
    }

    [Fact]
    public void An_extra_convolution_costs_channels_squared_times_nine_per_output_pixel()
    {
        var rows = FlopCount.Layers(new ModelConfig { ConvChannels = [32, 64], HiddenDim = 256, ExtraConvsPerLevel = 1 });
        // Level 1: 32 channels at 14×14; level 2: 64 channels at 7×7 (3×3 kernel, stride 1, same padding).
        Assert.Equal(32L * 32 * 9 * 14 * 14, rows.Single(r => r.Name == "encoder.convs.1").Macs);
        Assert.Equal(64L * 64 * 9 * 7 * 7, rows.Single(r => r.Name == "encoder.convs.3").Macs);
        Assert.Equal(64L * 64 * 9 * 7 * 7, rows.Single(r => r.Name == "decoder.refines.0").Macs);
        Assert.Equal(32L * 32 * 9 * 14 * 14, rows.Single(r => r.Name == "decoder.refines.1").Macs);
    }
}
