using MathNet.Numerics.Integration;
using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Training;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// The importance-weighted estimate on a model whose log p(x) is known: a latent-1 MLP with a Bernoulli decoder on
/// 4×4 binary images, where p(x) = ∫ N(z; 0, 1) ∏ Bernoulli(x | σ(f(z))) dz is computed here by Gauss–Legendre
/// quadrature (MathNet, 400 nodes on [−10, 10]) in double precision from the decoder's logits.
/// </summary>
public sealed class ExactLikelihoodTests
{
    static (Vae.Core.Models.VariationalAutoencoder Model, torch.Tensor Images) Setup(double initStd)
    {
        var config = new ModelConfig { Architecture = Architecture.Mlp, ConvChannels = [], Channels = 1, Height = 4, Width = 4, LatentDim = 1, HiddenDim = 16, MlpInitStd = initStd };
        var model = Trainer.CreateModel(config, 11, torch.CPU);
        using var g = new torch.Generator(5);
        return (model, torch.bernoulli(torch.full([6, 1, 4, 4], 0.5f), g)); // {0, 1} [6, 1, 4, 4]
    }

    [Fact]
    public void With_many_samples_the_estimate_equals_the_exact_log_likelihood()
    {
        // Initial weights with σ = 0.3: q(z | x) is close enough to p(z | x) for k = 50,000 to converge.
        var (model, images) = Setup(0.3);
        using (model) using (images)
        {
            double exact = ExactMeanLogLikelihood(model, images);
            double estimate = Evaluator.ImportanceWeightedLogLikelihood(model, images, 50_000, seed: 3);
            Assert.InRange(estimate - exact, -0.02, 0.02); // leaving out log p(z) would move it by about E[log N(z; 0, 1)] ≈ −1.4
        }
    }

    [Fact]
    public void The_gap_to_the_exact_log_likelihood_shrinks_as_k_grows()
    {
        // σ = 0.5: the decoder depends strongly on z, so the ELBO (k = 1) is far below log p(x) and the bound tightens slowly.
        var (model, images) = Setup(0.5);
        using (model) using (images)
        {
            double exact = ExactMeanLogLikelihood(model, images);
            var gaps = new[] { 1, 10, 1000, 50_000 }.Select(k => exact - Evaluator.ImportanceWeightedLogLikelihood(model, images, k, seed: 3)).ToArray();
            Assert.True(gaps[0] > 1.0, $"the ELBO should be well below log p(x), gap {gaps[0]:F4}");
            for (int i = 1; i < gaps.Length; i++)
                Assert.True(gaps[i] < gaps[i - 1], $"gaps {string.Join(", ", gaps.Select(x => x.ToString("F4")))} should shrink as k grows");
            Assert.True(gaps[^1] > -0.02, $"the estimate is a lower bound in expectation, gap {gaps[^1]:F4}");
        }
    }

    static double ExactMeanLogLikelihood(Vae.Core.Models.VariationalAutoencoder model, torch.Tensor images)
    {
        var rule = new GaussLegendreRule(-10, 10, 400);
        using var _ = torch.inference_mode();
        model.eval();
        using var z = torch.tensor(rule.Abscissas.Select(a => (float)a).ToArray(), [rule.Abscissas.Length, 1]);
        using var logits = model.Decode(z).reshape(rule.Abscissas.Length, 16).to_type(torch.ScalarType.Float64); // [nodes, 16]
        double[] l = logits.data<double>().ToArray();
        float[] x = images.reshape(images.shape[0], 16).data<float>().ToArray();
        int n = (int)images.shape[0];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            // log of Σ_j w_j N(z_j) ∏_p Bernoulli(x_p | σ(l_jp)), with a max shift for stability.
            var terms = new double[rule.Abscissas.Length];
            for (int j = 0; j < terms.Length; j++)
            {
                double s = Math.Log(rule.Weights[j]) - 0.5 * rule.Abscissas[j] * rule.Abscissas[j] - 0.5 * Math.Log(2 * Math.PI);
                for (int p = 0; p < 16; p++)
                {
                    double lp = l[j * 16 + p];
                    s += x[i * 16 + p] * -Math.Log(1 + Math.Exp(-lp)) + (1 - x[i * 16 + p]) * -Math.Log(1 + Math.Exp(lp));
                }
                terms[j] = s;
            }
            double max = terms.Max();
            total += max + Math.Log(terms.Sum(t => Math.Exp(t - max)));
        }
        return total / n;
    }
}
