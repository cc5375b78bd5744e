using TorchSharp;
using Vae.Core.Batching;
using Xunit;
using static TorchSharp.torch;

namespace Vae.Tests.Unit.Core;

public sealed class BatchIteratorTests
{
    static long[][] Epoch(long n, BatchOptions o, Generator? g) =>
        BatchIterator.Indices(n, o, g).Select(t => { using (t) return t.data<long>().ToArray(); }).ToArray();

    [Fact]
    public void The_same_seed_gives_the_same_batches_and_a_different_seed_different_ones()
    {
        using var a = new Generator(5);
        using var b = new Generator(5);
        using var c = new Generator(6);
        var o = new BatchOptions(BatchSize: 4);
        Assert.Equal(Epoch(10, o, a), Epoch(10, o, b));
        Assert.NotEqual(Epoch(10, o, a), Epoch(10, o, c));
    }

    [Fact]
    public void An_epoch_visits_every_example_exactly_once_and_keeps_the_partial_last_batch()
    {
        using var g = new Generator(1);
        var batches = Epoch(10, new BatchOptions(BatchSize: 4), g);
        Assert.Equal(new[] { 4, 4, 2 }, batches.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), batches.SelectMany(b => b).Order());
    }

    [Fact]
    public void DropLast_drops_the_partial_batch_and_no_shuffle_keeps_the_order()
    {
        var batches = Epoch(10, new BatchOptions(BatchSize: 4, Shuffle: false, DropLast: true), null);
        Assert.Equal(new[] { new long[] { 0, 1, 2, 3 }, new long[] { 4, 5, 6, 7 } }, batches);
    }

    [Fact]
    public void A_batch_size_of_one_gives_one_example_per_batch_and_zero_is_refused()
    {
        using var g = new torch.Generator(1);
        var batches = BatchIterator.Indices(5, new BatchOptions(1, Shuffle: false), g).Select(t => { using (t) return t.data<long>().ToArray(); }).ToArray();
        Assert.Equal(new long[][] { [0], [1], [2], [3], [4] }, batches);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BatchIterator.Indices(5, new BatchOptions(0), g).ToArray());
        Assert.StartsWith("BatchSize must be ≥ 1, got 0", e.Message);
    }

    [Fact]
    public void Shuffling_without_a_generator_is_refused_and_without_shuffling_none_is_needed()
    {
        var e = Assert.Throws<ArgumentNullException>(() => BatchIterator.Indices(5, new BatchOptions(2, Shuffle: true), null).ToArray());
        Assert.StartsWith("shuffling needs a generator", e.Message);
        Assert.Equal(3, BatchIterator.Indices(5, new BatchOptions(2, Shuffle: false), null).Count());
    }

    [Fact]
    public void Image_batches_are_the_images_at_the_batch_indices()
    {
        // Image i is filled with the value i, so a batch's values name the images it holds.
        using var images = torch.arange(6, dtype: torch.float32).reshape(6, 1, 1, 1).expand(6, 1, 2, 2).contiguous(); // [6, 1, 2, 2]
        var batches = BatchIterator.Batches(images, new BatchOptions(4, Shuffle: false), null).Select(b => { using (b) return (b.shape, b[.., 0, 0, 0].data<float>().ToArray()); }).ToArray();
        Assert.Equal(new long[] { 4, 1, 2, 2 }, batches[0].shape);
        Assert.Equal(new float[] { 0, 1, 2, 3 }, batches[0].Item2);
        Assert.Equal(new float[] { 4, 5 }, batches[1].Item2);
    }
}
