using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Models;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// <see cref="ModelConfig.DecoderDropout"/>: inverted dropout on the decoder's hidden layer while training, masks drawn from
/// the forward pass's generator right after ε; evaluation and <see cref="VariationalAutoencoder.Decode"/> use the full decoder.
/// </summary>
public sealed class DecoderDropoutTests
{
    static readonly ModelConfig SmallMlp = ModelConfig.PaperMlp(3) with { HiddenDim = 20 };

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    public void Dropout_zeroes_about_a_fraction_p_of_units_and_scales_the_others_by_one_over_one_minus_p(double p)
    {
        using var g = new Generator(7);
        using var ones = torch.ones(400, 500);
        using var dropped = Dropout.Apply(ones, p, g);
        double zeroFraction = dropped.eq(0).to_type(ScalarType.Float64).mean().item<double>();
        // 200,000 Bernoulli(p) draws: the fraction's standard deviation is √(p(1 − p)/200,000) ≤ 0.0012; allow 5 of them.
        Assert.InRange(zeroFraction, p - 0.006, p + 0.006);
        using var kept = dropped.masked_select(dropped.ne(0));
        Assert.Equal(1 / (1 - p), kept.min().item<float>(), 5);
        Assert.Equal(1 / (1 - p), kept.max().item<float>(), 5);
    }

    [Fact]
    public void Without_a_generator_or_at_rate_zero_dropout_returns_its_input_and_draws_nothing()
    {
        using var h = torch.rand(4, 6);
        Assert.Same(h, Dropout.Apply(h, 0.5, null));
        using var g = new Generator(3);
        using var reference = new Generator(3);
        Assert.Same(h, Dropout.Apply(h, 0, g));
        Assert.Equal(torch.rand(1, generator: reference).item<float>(), torch.rand(1, generator: g).item<float>());
    }

    [Fact]
    public void In_training_the_mlp_decoder_applies_the_mask_drawn_right_after_the_reparameterisation_noise()
    {
        const double p = 0.5;
        using var model = Trainer.CreateModel(SmallMlp with { DecoderDropout = p }, 1, torch.CPU);
        model.train();
        using var x = torch.rand(6, 1, 28, 28);
        using var g = new Generator(11);
        var output = model.call(x, g);

        // Written out from the paper's decoder (App. C.1) and the documented draw order: ε ~ N(0, I) [6, 3], then the
        // mask's uniforms [6, 20], kept where u ≥ p.
        using var noise = new Generator(11);
        var posterior = model.Encode(x);
        var eps = torch.randn(posterior.Mu.shape, generator: noise);
        var z = posterior.Mu + torch.exp(0.5 * posterior.LogVar) * eps;                           // [6, 3]
        var mask = torch.rand(6, 20, generator: noise).ge(p).to_type(ScalarType.Float32);       // [6, 20]
        var parameters = model.named_parameters().ToDictionary(q => q.name, q => q.parameter);
        var h = torch.tanh(z.matmul(parameters["decoder.hidden.weight"].t()) + parameters["decoder.hidden.bias"]); // [6, 20]
        var logits = (h * mask / (1 - p)).matmul(parameters["decoder.output.weight"].t()) + parameters["decoder.output.bias"]; // [6, 784]
        Assert.True(output.Z.allclose(z, 1e-6, 1e-6), "z is not μ + σ ⊙ ε with the generator's first draw");
        Assert.True(output.Decoded.flatten(1).allclose(logits, 1e-4, 1e-5), "the logits are not the decoder's with the second draw as the mask");
        Assert.True(mask.sum().item<float>() is > 0 and < 120, "the mask drops some units and keeps some");
    }

    [Theory]
    [InlineData(Architecture.Conv)]
    [InlineData(Architecture.Mlp)]
    public void In_evaluation_mode_a_dropout_model_is_the_full_decoder_on_the_same_z(Architecture architecture)
    {
        var config = (architecture == Architecture.Conv ? Synthetic.SmallConv : SmallMlp) with { DecoderDropout = 0.5 };
        using var model = Trainer.CreateModel(config, 1, torch.CPU);
        model.eval();
        using var x = torch.rand(5, 1, 28, 28);
        using var g = new Generator(2);
        var output = model.call(x, g);
        Assert.True(output.Decoded.allclose(model.Decode(output.Z), 0, 0), "evaluation dropped units");
        model.train();
        using var g2 = new Generator(2);
        var training = model.call(x, g2);
        Assert.True(training.Z.allclose(output.Z, 0, 0), "the same generator gives the same z in both modes");
        Assert.False(training.Decoded.allclose(model.Decode(training.Z), 1e-3, 1e-3), "training with rate 0.5 dropped no units");
    }

    [Fact]
    public void A_model_without_dropout_draws_only_the_reparameterisation_noise_in_training()
    {
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 1, torch.CPU);
        model.train();
        using var x = torch.rand(5, 1, 28, 28);
        using var g = new Generator(4);
        using var reference = new Generator(4);
        var output = model.call(x, g);
        var posterior = model.Encode(x);
        var z = posterior.Mu + torch.exp(0.5 * posterior.LogVar) * torch.randn(posterior.Mu.shape, generator: reference);
        Assert.True(output.Z.allclose(z, 1e-6, 1e-6));
        Assert.True(output.Decoded.allclose(model.Decode(z), 1e-5, 1e-5));
        Assert.Equal(torch.rand(1, generator: reference).item<float>(), torch.rand(1, generator: g).item<float>());
    }

    [Fact]
    public void Configs_that_differ_only_in_dropout_are_different_models_and_old_configs_read_as_no_dropout()
    {
        var plain = Synthetic.SmallConv;
        Assert.NotEqual(plain, plain with { DecoderDropout = 0.1 });
        // A config written before the field existed (its JSON has no decoderDropout key) is a model without dropout.
        string json = ConfigJson.Serialize(plain).Replace("\"decoderDropout\": 0,", "");
        Assert.DoesNotContain("decoderDropout", json);
        Assert.Equal(0, ConfigJson.ParseModel(json).DecoderDropout);
        Assert.Equal(plain, ConfigJson.ParseModel(json));
    }
}
