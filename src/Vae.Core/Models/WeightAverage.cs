using TorchSharp;
using static TorchSharp.torch;

namespace Vae.Core.Models;

/// <summary>
/// An exponential moving average of a model's parameters (Polyak and Juditsky, 1992): a ← d·a + (1 − d)·w after each
/// step, starting from the weights it is created with. <see cref="Swap"/> exchanges the average and the model's weights
/// in place, so evaluating or saving the average needs no second model.
/// </summary>
internal sealed class WeightAverage : IDisposable
{
    private readonly Tensor[] average;
    private readonly double decay;

    /// <summary>Starts the average at <paramref name="model"/>'s current weights.</summary>
    public WeightAverage(VariationalAutoencoder model, double decay)
    {
        this.decay = decay;
        using (torch.no_grad()) average = model.parameters().Select(p => p.detach().clone()).ToArray();
    }

    /// <summary>a ← d·a + (1 − d)·w for every parameter w of <paramref name="model"/> (the same model, same order).</summary>
    public void Update(VariationalAutoencoder model)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        foreach (var (a, w) in average.Zip(model.parameters())) a.lerp_(w, 1 - decay);   // a + (1 − d)(w − a)
    }

    /// <summary>Exchanges the average and <paramref name="model"/>'s weights; a second call restores both.</summary>
    public void Swap(VariationalAutoencoder model)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        foreach (var (a, w) in average.Zip(model.parameters()))
        {
            var held = w.detach().clone();
            w.copy_(a);
            a.copy_(held);
        }
    }

    /// <summary>Runs <paramref name="action"/> with the average in <paramref name="model"/>, then puts the training weights back (also when it throws).</summary>
    public T Applied<T>(VariationalAutoencoder model, Func<T> action)
    {
        Swap(model);
        try { return action(); }
        finally { Swap(model); }
    }

    /// <summary><see cref="Applied{T}"/> for an action without a result.</summary>
    public void Applied(VariationalAutoencoder model, Action action) => Applied(model, () => { action(); return 0; });

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var a in average) a.Dispose();
    }
}
