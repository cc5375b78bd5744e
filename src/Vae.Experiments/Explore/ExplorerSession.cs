using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Models;
using Vae.Core.Training;
using Vae.Experiments.Figures;
using static TorchSharp.torch;
using Vae.Core.Metrics;
using Vae.Core.Runtime;

namespace Vae.Experiments.Explore;

/// <summary>What the explorer page shows about the run.</summary>
/// <param name="Checkpoint">The checkpoint folder.</param>
/// <param name="Model">The model config.</param>
/// <param name="Training">The training config.</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="Test">The last evaluated test loss (negative ELBO, reconstruction, KL), when the history has one.</param>
/// <param name="ClassNames">Class names of the dataset, by label.</param>
/// <param name="MetricsFile">metrics.json (or history.json) of the run, beside the checkpoint, when there is one.</param>
internal sealed record ExplorerFacts(string Checkpoint, ModelConfig Model, TrainingConfig Training, int Epochs, LossSummary? Test,
    IReadOnlyList<string> ClassNames, string? MetricsFile);

/// <summary>More decode requests are waiting than the explorer queues.</summary>
internal sealed class ExplorerBusyException(int waiting) : Exception($"busy: {waiting} requests are waiting for the model; try again");

/// <summary>
/// The state behind <c>vae explore</c>: a loaded model, the test set's posterior means (the map, projected to 2-D by PCA
/// when the latent is larger), and decoding and prior sampling. Torch work runs one request at a time (the model is
/// shared), with at most <see cref="MaxWaiting"/> requests queued; images leave as bytes, row by row, channels last.
/// </summary>
internal sealed class ExplorerSession : IDisposable
{
    /// <summary>Most latent vectors one decode request may carry, and most prior samples one request may ask for.</summary>
    public const int MaxBatch = 64;

    /// <summary>Largest absolute latent value accepted: the prior is N(0, I), so ±50 is far outside anything it gives.</summary>
    public const double MaxAbs = 50;

    /// <summary>Requests that may wait for the model before more are turned away.</summary>
    public const int MaxWaiting = 8;

    readonly VariationalAutoencoder model;
    readonly Device device;
    readonly float[] means;                 // [N · D] posterior means of the test images, on the CPU
    readonly SemaphoreSlim gate = new(1, 1);
    int waiting;

    ExplorerSession(VariationalAutoencoder model, Device device, float[] means, long[] labels, ExplorerFacts facts)
    {
        (this.model, this.device, this.means, Facts) = (model, device, means, facts);
        Labels = labels;
        LatentDim = model.Config.LatentDim;
        Count = labels.Length;
        MapX = new double[Count];
        MapY = new double[Count];
        if (LatentDim <= 2)
            for (int i = 0; i < Count; i++)
            {
                MapX[i] = means[i * LatentDim];
                MapY[i] = LatentDim == 2 ? means[i * LatentDim + 1] : labels[i];   // latent 1: class on the y axis, as the static figure
            }
        else
        {
            Pca = Charts.Pca2(means, Count, LatentDim);
            for (int i = 0; i < Count; i++) (MapX[i], MapY[i]) = (Pca.Points[i, 0], Pca.Points[i, 1]);
        }
    }

    /// <summary>The run's facts.</summary>
    public ExplorerFacts Facts { get; }

    /// <summary>Test images on the map.</summary>
    public int Count { get; }

    /// <summary>The latent dimension D.</summary>
    public int LatentDim { get; }

    /// <summary>Label of each test image.</summary>
    public long[] Labels { get; }

    /// <summary>Map coordinates of each test image: its mean (D ≤ 2) or its first two principal components.</summary>
    public double[] MapX { get; }

    /// <inheritdoc cref="MapX"/>
    public double[] MapY { get; }

    /// <summary>The projection for D &gt; 2; null when the map shows the latent itself.</summary>
    public Pca2Result? Pca { get; }

    /// <summary>Encodes <paramref name="testImages"/> [N, C, H, W] (on the model's device) to the map; the session owns <paramref name="model"/>.</summary>
    public static ExplorerSession Create(VariationalAutoencoder model, Tensor testImages, long[] labels, ExplorerFacts facts)
    {
        model.eval();
        var device = model.parameters().First().device;
        using var mu = Generation.LatentMeans(model, testImages);   // [N, D] on the CPU
        return new ExplorerSession(model, device, mu.data<float>().ToArray(), labels, facts);
    }

    /// <summary>The posterior mean of test image <paramref name="index"/> (D values).</summary>
    public float[] LatentOf(int index) => means.AsSpan(index * LatentDim, LatentDim).ToArray();

    /// <summary>Decodes each latent vector (D values each) to an image: bytes [H, W, C], 0–255.</summary>
    /// <exception cref="ExplorerBusyException">More than <see cref="MaxWaiting"/> requests are waiting.</exception>
    public byte[][] Decode(IReadOnlyList<double[]> z) => Gated(() =>
    {
        var flat = z.SelectMany(v => v.Select(x => (float)x)).ToArray();
        using var scope = torch.NewDisposeScope();                                  // one per request: native memory stays flat
        using var _ = torch.inference_mode();
        var latent = torch.tensor(flat, [z.Count, LatentDim]).to(device);           // [B, D]
        return ToBytes(Generation.ToImage(model, model.Decode(latent)));           // [B, C, H, W] → bytes
    });

    /// <summary><paramref name="count"/> images decoded from z ~ N(0, I) drawn with <paramref name="seed"/> (as <c>vae sample --seed</c> draws them).</summary>
    public byte[][] Sample(long seed, int count) => Gated(() =>
    {
        using var generator = Devices.Generator(seed, device);
        using var images = Generation.SamplePrior(model, count, generator, device);  // [count, C, H, W]
        return ToBytes(images);
    });

    /// <summary>[B, C, H, W] in [0, 1] → B arrays of H·W·C bytes (channels last, as a canvas wants them).</summary>
    internal static byte[][] ToBytes(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var bytes = SampleGrid.Quantize(images).permute(0, 2, 3, 1).contiguous(); // [B, H, W, C], the figures' 0–255 rounding
        var all = bytes.data<byte>().ToArray();
        int per = all.Length / (int)bytes.shape[0];
        return Enumerable.Range(0, (int)bytes.shape[0]).Select(i => all.AsSpan(i * per, per).ToArray()).ToArray();
    }

    T Gated<T>(Func<T> work)
    {
        int queued = Interlocked.Increment(ref waiting);
        try
        {
            if (queued > MaxWaiting) throw new ExplorerBusyException(queued - 1);
            gate.Wait();
            try { return work(); }
            finally { gate.Release(); }
        }
        finally { Interlocked.Decrement(ref waiting); }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        model.Dispose();
        gate.Dispose();
    }
}
