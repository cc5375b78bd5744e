using TorchSharp;
using static TorchSharp.torch;
using Vae.Core.Randomness;

namespace Vae.Core.Batching;

/// <summary>Options of <see cref="BatchIterator"/>.</summary>
/// <param name="BatchSize">Examples per batch (≥ 1).</param>
/// <param name="Shuffle">Visit examples in a seeded random order, new each epoch.</param>
/// <param name="DropLast">Drop the last batch when it is smaller than <paramref name="BatchSize"/>.</param>
public sealed record BatchOptions(int BatchSize = 128, bool Shuffle = true, bool DropLast = false);

/// <summary>
/// Deterministic mini-batches over an image tensor. The order of epoch e depends only on the
/// generator's state: the same seed gives the same batches. Each batch is one gather
/// (<c>index_select</c>) of a slice of a permutation: no per-image tensors.
/// </summary>
public static class BatchIterator
{
    /// <summary>
    /// The batch index tensors of one epoch, int64 [B] each on the CPU (move them to the data's device), drawn from
    /// <paramref name="generator"/> when shuffling. The caller owns the returned tensors (dispose scopes handle them).
    /// </summary>
    public static IEnumerable<Tensor> Indices(long count, BatchOptions options, Generator? generator)
    {
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize must be ≥ 1, got {options.BatchSize}");
        if (options.Shuffle && generator is null) throw new ArgumentNullException(nameof(generator), "shuffling needs a generator");
        using var order = options.Shuffle ? Noise.Permutation(count, generator!, torch.CPU) : torch.arange(count); // [N] int64
        long batches = options.DropLast ? count / options.BatchSize : (count + options.BatchSize - 1) / options.BatchSize;
        for (long b = 0; b < batches; b++)
        {
            long start = b * options.BatchSize, end = Math.Min(count, start + options.BatchSize);
            yield return order.narrow(0, start, end - start).clone(); // [B]
        }
    }

    /// <summary>The image batches of one epoch: float32 [B, C, H, W] each, gathered from <paramref name="images"/>.</summary>
    public static IEnumerable<Tensor> Batches(Tensor images, BatchOptions options, Generator? generator)
    {
        foreach (var index in Indices(images.shape[0], options, generator))
        {
            using (index)
                yield return images.index_select(0, index.to(images.device)); // [B, C, H, W]
        }
    }
}
