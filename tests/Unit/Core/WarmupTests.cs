using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Losses;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

/// <summary>Step-size warm-up and KL warm-up: the values by hand, and what reaches the gradient.</summary>
public sealed class WarmupTests
{
    [Fact]
    public void The_step_size_rises_linearly_over_the_warm_up_then_follows_the_cosine_over_the_remaining_steps()
    {
        var c = new TrainingConfig { LearningRate = 0.01, Schedule = LearningRateSchedule.Cosine, WarmupSteps = 4 };
        // Warm-up: lr · (s + 1) / 4 for s = 0..3; then lr · ½ (1 + cos(π (s − 4) / (104 − 4))).
        Assert.Equal(0.0025, Trainer.LearningRateAt(c, 0, 104), 12);
        Assert.Equal(0.0075, Trainer.LearningRateAt(c, 2, 104), 12);
        Assert.Equal(0.01, Trainer.LearningRateAt(c, 3, 104), 12);
        Assert.Equal(0.01, Trainer.LearningRateAt(c, 4, 104), 12);
        Assert.Equal(0.005, Trainer.LearningRateAt(c, 54, 104), 12);
        Assert.Equal(0.0, Trainer.LearningRateAt(c, 104, 104), 12);
        var constant = c with { Schedule = LearningRateSchedule.Constant };
        Assert.Equal(0.005, Trainer.LearningRateAt(constant, 1, 104), 12);
        Assert.Equal(0.01, Trainer.LearningRateAt(constant, 90, 104), 12);
    }

    [Fact]
    public void The_KL_weight_rises_per_step_over_the_warm_up_epochs_and_stays_at_one()
    {
        var c = new TrainingConfig { KlWarmupEpochs = 2 };
        // (s + 1) / (2 · 10) with 10 steps an epoch, capped at 1.
        Assert.Equal(0.05, Trainer.KlWeightAt(c, 0, 10), 12);
        Assert.Equal(0.5, Trainer.KlWeightAt(c, 9, 10), 12);
        Assert.Equal(1.0, Trainer.KlWeightAt(c, 19, 10), 12);
        Assert.Equal(1.0, Trainer.KlWeightAt(c, 500, 10), 12);
        Assert.Equal(1.0, Trainer.KlWeightAt(new TrainingConfig(), 0, 10), 12);
    }

    [Fact]
    public void A_training_step_follows_the_gradient_of_reconstruction_plus_the_weighted_KL()
    {
        // With SGD at step size 1, the parameter change is minus the gradient. Expected: the gradient of
        // mean(reconstruction + 0.25 · KL), computed here from the loss functions on a copy of the model with the same noise.
        using var x = Synthetic.Images(16, 5);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 2, torch.CPU);
        using var reference = Trainer.CreateModel(Synthetic.SmallConv, 2, torch.CPU);
        using (var g = new Generator(9))
        {
            var output = reference.call(x, g);
            var recon = VaeLoss.ReconstructionNll(Likelihood.Bernoulli, output.Decoded, x, 0.1, null);
            var kl = VaeLoss.KlStandardNormal(output.Mu, output.LogVar);
            (recon + 0.25 * kl).mean().backward();
        }
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        using var sgd = torch.optim.SGD(model.parameters(), 1.0);
        using (var g = new Generator(9)) Trainer.TrainStep(model, sgd, x, g, klWeight: 0.25);
        var after = model.parameters().ToList();
        var grads = reference.parameters().Select(p => p.grad!).ToList();
        for (int i = 0; i < after.Count; i++)
        {
            using var step = before[i] - after[i];
            Assert.True(step.allclose(grads[i], rtol: 1e-4, atol: 1e-6), $"parameter {i}: the step is not the gradient of reconstruction + 0.25 KL");
        }
    }

    [Fact]
    public void Warm_ups_out_of_range_are_rejected_naming_the_field()
    {
        Assert.Equal("WarmupSteps", Assert.Throws<ArgumentException>(() => ConfigValidator.Validate(new TrainingConfig { WarmupSteps = -1 })).ParamName);
        Assert.Equal("KlWarmupEpochs", Assert.Throws<ArgumentException>(() => ConfigValidator.Validate(new TrainingConfig { KlWarmupEpochs = -3 })).ParamName);
    }
}
