using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Models;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// The layer plan is the one description of the network. Expected values: the weights of the model actually built
/// (TorchSharp's shapes: Linear [out, in], Conv2d [out, in, k, k], ConvTranspose2d [in, out, k, k]) and sizes worked by hand.
/// </summary>
public sealed class LayerPlanTests
{
    public static TheoryData<ModelConfig> Configs => new()
    {
        new ModelConfig(),
        new ModelConfig { HiddenDim = 256, ExtraConvsPerLevel = 1 },
        new ModelConfig { ConvChannels = [16, 32, 64], Height = 32, Width = 32, Channels = 3, ExtraConvsPerLevel = 2, LatentDim = 7 },
        ModelConfig.PaperMlp(20),
        ModelConfig.ConvRgb32(200),
        ModelConfig.PaperMlp(3) with { Likelihood = Likelihood.GaussianLearnedVariance },
        new ModelConfig { Likelihood = Likelihood.GaussianLearnedVariance, ConvChannels = [8] },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void The_parameter_count_from_the_plan_equals_the_parameters_of_the_built_model(ModelConfig config)
    {
        using var generator = new torch.Generator(1);
        using var model = new VariationalAutoencoder(config, generator);
        Assert.Equal(model.parameters().Sum(p => p.numel()), LayerPlan.ParameterCount(config));
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Every_planned_layer_is_a_weight_of_the_built_model_with_the_planned_shape_and_nothing_else_is(ModelConfig config)
    {
        using var generator = new torch.Generator(1);
        using var model = new VariationalAutoencoder(config, generator);
        var weights = model.named_parameters().Where(p => p.name.EndsWith(".weight")).ToDictionary(p => p.name, p => p.parameter.shape);
        var plan = LayerPlan.Of(config);
        Assert.Equal(weights.Keys.Order(), plan.Select(l => l.Name + ".weight").Order()); // the plan lists layers in execution order
        foreach (var layer in plan)
        {
            var shape = weights[layer.Name + ".weight"];
            long[] expected = layer.Kind switch
            {
                LayerKind.Linear => [layer.Out, layer.In],
                LayerKind.Conv2d => [layer.Out, layer.In, layer.Kernel, layer.Kernel],
                _ => [layer.In, layer.Out, layer.Kernel, layer.Kernel],
            };
            Assert.Equal(expected, shape);
        }
    }

    [Fact]
    public void The_default_plan_halves_28_to_14_and_7_and_doubles_back_with_the_costs_worked_by_hand()
    {
        var plan = LayerPlan.Of(new ModelConfig()); // channels 32, 64; hidden 512; latent 2
        var byName = plan.ToDictionary(l => l.Name);
        Assert.Equal((14L, 14L), (byName["encoder.convs.0"].OutHeight, byName["encoder.convs.0"].OutWidth));
        Assert.Equal((7L, 7L), (byName["encoder.convs.1"].OutHeight, byName["encoder.convs.1"].OutWidth));
        Assert.Equal(64L * 7 * 7, byName["encoder.hidden"].In);
        Assert.Equal(64L * 7 * 7, byName["decoder.project"].Out);
        Assert.Equal((14L, 14L), (byName["decoder.deconvs.0"].OutHeight, byName["decoder.deconvs.0"].OutWidth));
        Assert.Equal((28L, 28L, 1L), (byName["decoder.deconvs.1"].OutHeight, byName["decoder.deconvs.1"].OutWidth, byName["decoder.deconvs.1"].Out));
        Assert.Equal(32L * 1 * 16 * 14 * 14, byName["encoder.convs.0"].Macs);     // out·in·k²·H_out·W_out
        Assert.Equal(64L * 32 * 16 * 7 * 7, byName["decoder.deconvs.0"].Macs);    // in·out·k²·H_in·W_in
        Assert.Equal(16L * 1 * 32 + 1, byName["decoder.deconvs.1"].Parameters);   // k²·in·out + out
    }

    [Fact]
    public void The_paper_mlp_plan_reads_and_writes_784_pixels_and_learned_variance_adds_one_parameter_per_pixel()
    {
        var byName = LayerPlan.Of(ModelConfig.PaperMlp(20)).ToDictionary(l => l.Name); // 500 tanh units, 28×28×1 (Kingma and Welling 2013, App. C)
        Assert.Equal((784L, 500L), (byName["encoder.hidden"].In, byName["encoder.hidden"].Out));
        Assert.Equal((500L, 784L), (byName["decoder.output"].In, byName["decoder.output"].Out));
        Assert.Equal(784L * 500, byName["encoder.hidden"].Macs); // a dense layer: in·out
        var bernoulli = new ModelConfig();
        Assert.Equal(28L * 28, LayerPlan.ParameterCount(bernoulli with { Likelihood = Likelihood.GaussianLearnedVariance }) - LayerPlan.ParameterCount(bernoulli));
    }

    [Fact]
    public void The_forward_cost_is_the_sum_over_the_layers_worked_by_hand_for_a_small_model()
    {
        // Channels [4], 28×28, hidden 8, latent 2: conv 4·1·16·14·14 = 12,544; hidden 784·8 = 6,272; μ and log σ² 8·2 each;
        // decoder hidden 2·8 = 16; projection 8·784 = 6,272; transposed conv 4·1·16·14·14 = 12,544: 37,680 in all.
        Assert.Equal(37_680L, LayerPlan.ForwardMacs(new ModelConfig { ConvChannels = [4], HiddenDim = 8, LatentDim = 2 }));
    }
}
