using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Training;
using Vae.Experiments.Explore;
using Vae.Tests.Unit.Core;
using Xunit;

namespace Vae.Tests.Unit.Explore;

/// <summary>The explorer's map for a latent larger than 2: the first two principal components of the posterior means.</summary>
public sealed class ExplorerSessionTests
{
    [Fact]
    public void For_a_latent_of_three_the_map_is_the_means_projected_on_two_orthonormal_directions_that_map_back()
    {
        var config = Synthetic.SmallConv with { LatentDim = 3 };
        using var images = Synthetic.Images(80, 2);
        var facts = new ExplorerFacts("ckpt", config, new TrainingConfig(), 1, null, ["a", "b", "c", "d"], null);
        using var session = ExplorerSession.Create(Trainer.CreateModel(config, 9, torch.CPU), images, new long[80], facts);
        var pca = Assert.IsType<Vae.Experiments.Figures.Pca2Result>(session.Pca);
        using var model = Trainer.CreateModel(config, 9, torch.CPU);
        using var mu = Generation.LatentMeans(model, images);
        var m = mu.data<float>().ToArray();
        // The mean of the means, computed here.
        var mean = Enumerable.Range(0, 3).Select(j => Enumerable.Range(0, 80).Average(i => (double)m[3 * i + j])).ToArray();
        for (int j = 0; j < 3; j++) Assert.Equal(mean[j], pca.Mean[j], 1e-6);
        // Unit, orthogonal directions.
        double Dot(int a, int b) => Enumerable.Range(0, 3).Sum(j => pca.Basis[j, a] * pca.Basis[j, b]);
        Assert.Equal(1, Dot(0, 0), 1e-9);
        Assert.Equal(1, Dot(1, 1), 1e-9);
        Assert.Equal(0, Dot(0, 1), 1e-9);
        for (int i = 0; i < 80; i++)
        {
            // Each map point is its centred mean projected on the directions (what the page maps back with mean + x·u₁ + y·u₂).
            double x = Enumerable.Range(0, 3).Sum(j => (m[3 * i + j] - mean[j]) * pca.Basis[j, 0]);
            double y = Enumerable.Range(0, 3).Sum(j => (m[3 * i + j] - mean[j]) * pca.Basis[j, 1]);
            Assert.Equal(x, session.MapX[i], 1e-5);
            Assert.Equal(y, session.MapY[i], 1e-5);
        }
        // The first direction carries at least as much variance as the second, and the two at most all of it.
        Assert.True(pca.ExplainedVariance[0] >= pca.ExplainedVariance[1]);
        Assert.InRange(pca.ExplainedVariance[0] + pca.ExplainedVariance[1], 0, 1 + 1e-12);
    }
}
