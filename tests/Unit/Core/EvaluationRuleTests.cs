using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// The one evaluation rule (EvaluationSet) and the training side of binarisation. Expected values are computed here
/// directly with TorchSharp: the fixed binarisation is Bernoulli(intensity) from a CPU generator seeded 2015, scored by
/// Evaluator.Evaluate with 500 images a pass and its default noise seed.
/// </summary>
public sealed class EvaluationRuleTests
{
    static Tensor HandBinarised(Tensor grey)
    {
        using var g = new Generator(2015, torch.CPU);
        return torch.bernoulli(grey, g); // {0, 1}
    }

    [Fact]
    public void A_dynamically_binarised_run_is_scored_on_the_test_set_binarised_once_with_seed_2015()
    {
        using var grey = Synthetic.Images(300, seed: 5);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 1, torch.CPU);
        using var binary = HandBinarised(grey);
        var expected = Evaluator.Evaluate(model, binary, 500, Evaluator.DefaultSeed);

        using var set = EvaluationSet.For(grey, Binarization.Dynamic);
        Assert.True(set.Binarized);
        Assert.Equal(expected, set.Score(model));
        Assert.NotEqual(Evaluator.Evaluate(model, grey).Total, expected.Total); // the grey images would give another number
    }

    [Fact]
    public void A_run_on_intensities_is_scored_on_the_images_as_given_and_the_caller_keeps_them()
    {
        var grey = Synthetic.Images(120, seed: 6);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 1, torch.CPU);
        var expected = Evaluator.Evaluate(model, grey, 500, Evaluator.DefaultSeed);
        using (var set = EvaluationSet.For(grey, Binarization.None))
        {
            Assert.False(set.Binarized);
            Assert.Equal(expected, set.Score(model));
        }
        Assert.Equal(120, grey.shape[0]); // disposing the set left the caller's tensor alive
        grey.Dispose();
    }

    [Fact]
    public void A_prefix_of_a_binarised_set_keeps_the_whole_sets_draws()
    {
        using var grey = Synthetic.Images(200, seed: 7);
        using var whole = EvaluationSet.For(grey, Binarization.Dynamic);
        using var prefix = whole.Take(50);
        using var hand = HandBinarised(grey);
        Assert.Equal(50, prefix.Count);
        Assert.True(prefix.Images.allclose(hand.narrow(0, 0, 50), 0, 0), "the prefix was binarised apart from the whole set");
    }

    [Fact]
    public void The_trainers_test_loss_after_an_epoch_is_the_rules_score_of_the_trained_model()
    {
        using var train = Synthetic.Images(256, seed: 8);
        using var test = Synthetic.Images(120, seed: 9);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var history = Trainer.Fit(model, Synthetic.Fast(1) with { Binarization = Binarization.Dynamic }, new TrainingData(train, test));
        using var binary = HandBinarised(test);
        Assert.Equal(Evaluator.Evaluate(model, binary, 500, Evaluator.DefaultSeed), history.FinalTest);
    }

    [Fact]
    public void Under_dynamic_binarisation_every_training_batch_is_zero_or_one_and_is_drawn_anew_each_epoch()
    {
        // 64 identical grey images (every pixel 0.5) and one full batch an epoch: the epochs' batches can differ only
        // through binarisation, and a mean of 0.5 is what Bernoulli(0.5) gives.
        using var grey = torch.full([64, 1, 28, 28], 0.5f);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var batches = new List<float[]>();
        Trainer.Fit(model, Synthetic.Fast(2) with { Binarization = Binarization.Dynamic }, new TrainingData(grey, null),
            new TrainingOptions { Trace = t => batches.Add(t.Batch.data<float>().ToArray()) });
        Assert.Equal(2, batches.Count);
        foreach (var batch in batches)
        {
            Assert.All(batch, v => Assert.True(v is 0f or 1f, $"a training pixel of {v}"));
            Assert.InRange(batch.Average(), 0.45, 0.55); // 50,176 draws: 0.5 ± 0.002 (one sd); far outside is no Bernoulli(0.5)
        }
        Assert.NotEqual(batches[0], batches[1]);
    }

    [Fact]
    public void Without_binarisation_the_training_batches_are_the_grey_images()
    {
        using var grey = torch.full([64, 1, 28, 28], 0.5f);
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU);
        var batches = new List<float[]>();
        Trainer.Fit(model, Synthetic.Fast(1), new TrainingData(grey, null), new TrainingOptions { Trace = t => batches.Add(t.Batch.data<float>().ToArray()) });
        Assert.All(batches.Single(), v => Assert.Equal(0.5f, v));
    }
}
