using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Backend;

public sealed class TorchSharpBackendTests
{
    [Fact]
    public void TorchSharp_loads_and_runs_a_forward_and_backward_pass_of_a_small_conv_net_on_the_CPU()
    {
        using var scope = torch.NewDisposeScope();
        using var gen = new Generator(7);
        var conv = nn.Conv2d(1, 4, kernel_size: 3, padding: 1);
        var head = nn.Linear(4 * 8 * 8, 1);
        var x = torch.randn([2, 1, 8, 8], generator: gen);       // [B, C, H, W]
        var y = head.call(nn.functional.relu(conv.call(x)).flatten(1)); // [B, 1]
        var loss = y.square().mean();
        loss.backward();
        Assert.Equal(DeviceType.CPU, x.device_type);
        Assert.Equal(new long[] { 2, 1 }, y.shape);
        Assert.NotNull(conv.weight!.grad);
        Assert.True(conv.weight.grad!.abs().sum().item<float>() > 0, "gradients reached the first layer");
        Assert.True(double.IsFinite(loss.item<float>()));
    }
}
