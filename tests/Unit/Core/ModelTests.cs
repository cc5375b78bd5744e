using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Models;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

public sealed class ModelTests
{
    [Theory]
    [InlineData(Architecture.Conv)]
    [InlineData(Architecture.Mlp)]
    public void Models_created_with_the_same_seed_have_identical_parameters(Architecture architecture)
    {
        var config = architecture == Architecture.Conv ? Synthetic.SmallConv : ModelConfig.PaperMlp(3) with { HiddenDim = 20 };
        using var a = Trainer.CreateModel(config, 3, torch.CPU);
        using var b = Trainer.CreateModel(config, 3, torch.CPU);
        using var c = Trainer.CreateModel(config, 4, torch.CPU);
        foreach (var ((name, p), (_, q)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(p.allclose(q, 0, 0), $"{name} differs between two models of seed 3");
        Assert.Contains(a.named_parameters().Zip(c.named_parameters()), pair => !pair.First.parameter.allclose(pair.Second.parameter, 0, 0));
    }

    [Fact]
    public void Parameter_names_follow_pytorch_conventions()
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 1, torch.CPU);
        var names = model.named_parameters().Select(p => p.name).ToArray();
        Assert.Contains("encoder.convs.0.weight", names);
        Assert.Contains("encoder.mu.weight", names);
        Assert.Contains("encoder.logvar.bias", names);
        Assert.Contains("decoder.deconvs.1.weight", names);
    }

    [Fact]
    public void The_paper_mlp_is_initialised_from_a_normal_with_standard_deviation_0_01()
    {
        using var model = Trainer.CreateModel(ModelConfig.PaperMlp(20), 1, torch.CPU);
        using var all = torch.cat(model.parameters().Select(p => p.detach().flatten()).ToArray());
        // 784·500 + ... ≈ 800k draws: the sample standard deviation is 0.01 to well within 1%.
        Assert.Equal(0.01, all.std().item<float>(), 3);
        Assert.Equal(0.0, all.mean().item<float>(), 3);
    }

    [Fact]
    public void Forward_returns_named_outputs_with_the_documented_shapes()
    {
        using var model = Trainer.CreateModel(ModelConfig.ConvRgb32(7) with { HiddenDim = 16, ConvChannels = [4, 4, 4] }, 1, torch.CPU);
        using var g = new Generator(1);
        using var x = torch.rand(5, 3, 32, 32);
        var output = model.call(x, g);
        Assert.Equal(new long[] { 5, 3, 32, 32 }, output.Decoded.shape);
        Assert.Equal(new long[] { 5, 7 }, output.Mu.shape);
        Assert.Equal(new long[] { 5, 7 }, output.LogVar.shape);
        Assert.Equal(new long[] { 5, 7 }, output.Z.shape);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Extra_convolutions_per_level_keep_the_output_shape_and_add_exactly_their_parameters(int k)
    {
        var shallow = Synthetic.SmallConv;                        // channels [4, 8]
        var deep = shallow with { ExtraConvsPerLevel = k };
        using var a = Trainer.CreateModel(shallow, 1, torch.CPU);
        using var b = Trainer.CreateModel(deep, 1, torch.CPU);
        using var g = new Generator(1);
        using var x = torch.rand(3, 1, 28, 28);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, b.call(x, g).Decoded.shape);
        // Each extra 3×3 convolution at c channels has c·c·9 weights and c biases; k per level, encoder and decoder.
        long expected = 2L * k * ((4 * 4 * 9 + 4) + (8 * 8 * 9 + 8));
        Assert.Equal(expected, b.ParameterCount - a.ParameterCount);
        var names = b.named_parameters().Select(p => p.name).ToArray();
        Assert.Contains($"decoder.refines.{2 * k - 1}.weight", names);
        Assert.Contains($"encoder.convs.{2 * (k + 1) - 1}.weight", names);
    }

    [Fact]
    public void Without_extra_convolutions_the_parameter_names_are_those_of_the_committed_checkpoints()
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 1, torch.CPU);
        var names = model.named_parameters().Select(p => p.name).ToArray();
        // The seed's design: two strided convolutions and two transposed ones, nothing else convolutional.
        Assert.Equal(["encoder.convs.0.weight", "encoder.convs.0.bias", "encoder.convs.1.weight", "encoder.convs.1.bias"],
            names.Where(n => n.StartsWith("encoder.convs")).ToArray());
        Assert.DoesNotContain(names, n => n.Contains("refines"));
    }
}
