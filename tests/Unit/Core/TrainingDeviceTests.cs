using TorchSharp;
using Vae.Core.Training;
using Xunit;
using Vae.Core.Runtime;

namespace Vae.Tests.Unit.Core;

/// <summary>TrainingConfig.Device is honoured: a run asked for one device does not silently train on another.</summary>
public sealed class TrainingDeviceTests
{
    [Fact]
    public void A_run_configured_for_CUDA_refuses_data_on_the_CPU()
    {
        using var train = Synthetic.Images(64, 1);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var e = Assert.Throws<ArgumentException>(() => Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(train, null), new TrainingOptions { Placement = new() { Device = "cuda" } }));
        Assert.Equal("Device", e.ParamName);
        Assert.StartsWith("Device is 'cuda' but the training images are on cpu; move them with .to(Devices.Resolve(\"cuda\")) or set Device = \"auto\"", e.Message);
    }
}
