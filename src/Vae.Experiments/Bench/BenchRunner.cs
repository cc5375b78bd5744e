using System.Diagnostics;
using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Models;
using Vae.Core.Training;
using Vae.Core.Batching;
using Vae.Experiments.Runs;
using static TorchSharp.torch;
using Vae.Core.Randomness;
using Vae.Core.Runtime;

namespace Vae.Experiments.Bench;

/// <summary>Training throughput of one model at batch 128.</summary>
/// <param name="Model">Which model.</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="MsPerStep">Median over repeats of the mean step time.</param>
/// <param name="ExamplesPerSecond">128 / step time.</param>
/// <param name="TrainingGflopPerExample">From <see cref="FlopCount"/>.</param>
/// <param name="AchievedGflops">FLOPs per example × examples per second.</param>
/// <param name="Utilisation">Achieved ÷ measured GEMM throughput.</param>
/// <param name="DataShare">Share of step time spent producing batches (shuffle + gather).</param>
/// <param name="Layers">Per-layer forward MACs.</param>
internal sealed record TrainingBench(string Model, long Parameters, double MsPerStep, double ExamplesPerSecond, double TrainingGflopPerExample,
    double AchievedGflops, double Utilisation, double DataShare, IReadOnlyList<LayerCost> Layers);

/// <summary>Ours against the PyTorch peer, alternating rounds; ratios are peer ms ÷ our ms (above 1: we are faster).</summary>
/// <param name="Torch">Peer's PyTorch version.</param>
/// <param name="PeerGemmGflops">Peer's GEMM throughput: shows how much of any gap is the BLAS.</param>
/// <param name="OursMsPerStep">Our median ms per step per model over the rounds.</param>
/// <param name="PeerMsPerStep">The peer's median ms per step per model over the rounds.</param>
/// <param name="Ratio">Peer ÷ ours per model.</param>
/// <param name="Rounds">Alternating rounds run.</param>
internal sealed record PeerComparison(string Torch, double PeerGemmGflops, IReadOnlyDictionary<string, double> OursMsPerStep,
    IReadOnlyDictionary<string, double> PeerMsPerStep, IReadOnlyDictionary<string, double> Ratio, int Rounds)
{
    /// <summary>The device the peer ran on, as it names it ("cuda (NVIDIA H200)").</summary>
    public string? PeerDevice { get; init; }

    /// <summary>On CUDA: the peer's ms/step with Adam's fused kernel.</summary>
    public IReadOnlyDictionary<string, double>? PeerFusedMsPerStep { get; init; }
}

/// <summary>Everything `bench` measures.</summary>
internal sealed record BenchReport(string Device, int Threads, string Commit, double StartupSeconds, double GemmGflops, int GemmSize,
    IReadOnlyList<TrainingBench> Training, double IwImagesPerSecond, int IwK, IReadOnlyList<double> RssMiB, double RssGrowthPercent,
    PeerComparison? Peer, double WallSeconds, bool Quick = false)
{
    /// <summary>`vae explore`: median ms to decode one point, as the page asks for it (HTTP POST on loopback, JSON, base64 image).</summary>
    public double? ExploreDecodeMs { get; init; }

    /// <summary>The same decode called in-process, without HTTP: what the model itself costs.</summary>
    public double? ExploreDecodeInProcessMs { get; init; }
}

/// <summary>How much each measurement repeats: the full bench, or a quick pass that checks the path (numbers not comparable).</summary>
internal sealed record BenchScale(int Repeats, int StepDivisor, int GemmSize, int IwK, int MemoryEpochs, int MemoryStepsPerEpoch, int PeerRounds)
{
    public static BenchScale Full { get; } = new(7, 1, 2048, 1000, 10, 469, 2);
    public static BenchScale Quick { get; } = new(2, 8, 512, 50, 3, 32, 1);
}

/// <summary>Measures the machine's matrix throughput and the library's training, evaluation, data and memory behaviour.</summary>
internal static class BenchRunner
{
    const int Batch = 128;

    static readonly (string Key, ModelConfig Config, int Steps)[] PeerModels =
        [("mnist-z2", Entries.Conv28(2), 10), ("svhn-z200", ModelConfig.ConvRgb32(200), 4)];

    public static BenchReport Run(Device device, bool peer, Action<string> log, bool quick = false)
    {
        var scale = quick ? BenchScale.Quick : BenchScale.Full;
        if (peer) PyTorchPeer.EnsureAvailable();
        var wall = Stopwatch.StartNew();
        var mnist = Entries.Conv28(2);
        // Start-up first: process start → first finished training step (process start includes the .NET host and libtorch load).
        double startup;
        using (var model = Trainer.CreateModel(mnist, 1, device))
        using (var optimizer = Trainer.CreateOptimizer(model, new TrainingConfig()))
        using (var g = Devices.Generator(1, device))
        using (var x = Noise.Uniform([Batch, 1, 28, 28], g, device))
        {
            using var scope = torch.NewDisposeScope();
            Trainer.TrainStep(model, optimizer, x, g);
            startup = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds;
        }
        log($"start-up to first training step: {startup:F2} s");
        double gemm = Gemm(scale.GemmSize, device);
        log($"GEMM {scale.GemmSize}×{scale.GemmSize} float32: {gemm:F1} GFLOP/s on {torch.get_num_threads()} threads");
        var training = new List<TrainingBench>
        {
            TrainThroughput("mnist-z2 conv (32, 64; hidden 256)", mnist, 24, gemm, device, scale),
            TrainThroughput("svhn-z200 conv (32, 64, 128; hidden 1024)", ModelConfig.ConvRgb32(200), 10, gemm, device, scale),
        };
        foreach (var t in training) log($"training {t.Model}: {t.MsPerStep:F1} ms/step, {t.ExamplesPerSecond:F0} ex/s, {t.Utilisation:P1} of GEMM");
        int k = scale.IwK;
        double iw = IwThroughput(mnist, k, device);
        log($"importance-weighted bound, k = {k}: {iw:F1} images/s");
        var rss = Memory(mnist, device, scale);
        double growth = 100.0 * (rss[^1] - rss[1]) / rss[1];
        log($"RSS over {scale.MemoryEpochs} epochs' worth of steps: {rss[0]:F0} → {rss[^1]:F0} MiB (growth from 2nd to last {growth:+0.00;-0.00}%)");
        var comparison = peer ? ComparePeer(gemm, device, log, scale) : null;
        var (http, inProcess) = ExploreDecode(mnist, device, scale);
        log($"explore: decode one point {http:F2} ms over HTTP ({inProcess:F2} ms in-process)");
        return new BenchReport(device.ToString(), torch.get_num_threads(), RunInfo.Capture(device).Commit, startup, gemm, scale.GemmSize, training, iw, k, rss, growth, comparison, wall.Elapsed.TotalSeconds, quick)
            { ExploreDecodeMs = http, ExploreDecodeInProcessMs = inProcess };
    }

    /// <summary>Two rounds of ours then the peer, same models, batch and threads; medians per side.</summary>
    static PeerComparison ComparePeer(double gemm, Device device, Action<string> log, BenchScale scale)
    {
        int rounds = scale.PeerRounds;
        var ours = PeerModels.ToDictionary(m => m.Key, _ => new List<double>());
        var theirs = PeerModels.ToDictionary(m => m.Key, _ => new List<double>());
        PeerResult? last = null;
        for (int round = 1; round <= rounds; round++)
        {
            foreach (var (key, config, steps) in PeerModels) ours[key].Add(TrainThroughput(key, config, steps, gemm, device, BenchScale.Full).MsPerStep);
            last = PyTorchPeer.Run(torch.get_num_threads(), device.type == DeviceType.CUDA);
            foreach (var (key, _, _) in PeerModels) theirs[key].Add(last.MsPerStep[key]);
            log($"peer round {round}: " + string.Join(", ", PeerModels.Select(m => $"{m.Key} ours {ours[m.Key][^1]:F1} ms, PyTorch {last.Torch} {theirs[m.Key][^1]:F1} ms")));
        }
        var o = ours.ToDictionary(kv => kv.Key, kv => Median(kv.Value));
        var t = theirs.ToDictionary(kv => kv.Key, kv => Median(kv.Value));
        return new PeerComparison(last!.Torch, last.GemmGflops, o, t, o.ToDictionary(kv => kv.Key, kv => t[kv.Key] / kv.Value), rounds)
            { PeerDevice = last.Device, PeerFusedMsPerStep = last.MsPerStepFused };
    }

    /// <summary>
    /// Median ms for `vae explore` to decode one point: over HTTP as the page does it (loopback server, JSON request,
    /// base64 image back) and in-process. The model is the seed's MNIST model (untrained: decoding costs the same).
    /// </summary>
    static (double Http, double InProcess) ExploreDecode(ModelConfig config, Device device, BenchScale scale)
    {
        var model = Trainer.CreateModel(config, 1, device);
        using var g = Devices.Generator(6, device);
        using var images = Noise.Uniform([1000, config.Channels, config.Height, config.Width], g, device);
        var facts = new Explore.ExplorerFacts("bench", config, new TrainingConfig(), 0, null, Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), null);
        using var session = Explore.ExplorerSession.Create(model, images, new long[1000], facts);
        var (app, url) = Explore.ExplorerServer.StartAsync(session, System.Net.IPAddress.Loopback, 0, CancellationToken.None).GetAwaiter().GetResult();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            int repeats = scale == BenchScale.Quick ? 20 : 200;
            var overHttp = new List<double>();
            var inProcess = new List<double>();
            for (int r = 0; r < repeats + 5; r++)
            {
                string body = FormattableString.Invariant($"{{\"z\": [[{0.01 * r}, {-0.02 * r}]]}}");
                var watch = Stopwatch.StartNew();
                using var response = http.PostAsync("api/decode", new StringContent(body, System.Text.Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
                response.EnsureSuccessStatusCode();
                _ = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                if (r >= 5) overHttp.Add(watch.Elapsed.TotalMilliseconds);
                watch.Restart();
                _ = session.Decode([[0.01 * r, -0.02 * r]]);
                if (r >= 5) inProcess.Add(watch.Elapsed.TotalMilliseconds);
            }
            return (Median(overHttp), Median(inProcess));
        }
        finally { app.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    static double Gemm(int n, Device device)
    {
        using var g = Devices.Generator(2, device);
        using var a = Noise.Normal([n, n], g, device);
        using var b = Noise.Normal([n, n], g, device);
        for (int i = 0; i < 3; i++) { using var w = a.matmul(b); }
        var times = new List<double>();
        for (int r = 0; r < 10; r++)
        {
            var watch = Stopwatch.StartNew();
            using var c = a.matmul(b);
            _ = c[0, 0].item<float>(); // wait for the result (a no-op on CPU, a sync on CUDA)
            times.Add(watch.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / Median(times) / 1e9;
    }

    static TrainingBench TrainThroughput(string name, ModelConfig config, int stepsPerRepeat, double gemm, Device device, BenchScale scale)
    {
        stepsPerRepeat = Math.Max(1, stepsPerRepeat / scale.StepDivisor);
        using var model = Trainer.CreateModel(config, 1, device);
        using var optimizer = Trainer.CreateOptimizer(model, new TrainingConfig());
        using var g = Devices.Generator(3, device);
        using var pool = Noise.Uniform([4096, config.Channels, config.Height, config.Width], g, device); // [N, C, H, W]
        var options = new BatchOptions(Batch);
        for (int i = 0; i < 3; i++) Steps(model, optimizer, pool, options, g, 1);
        var stepTimes = new List<double>();
        var dataTimes = new List<double>();
        for (int r = 0; r < scale.Repeats; r++)
        {
            var watch = Stopwatch.StartNew();
            Steps(model, optimizer, pool, options, g, stepsPerRepeat);
            stepTimes.Add(watch.Elapsed.TotalSeconds / stepsPerRepeat);
            watch.Restart();
            int produced = 0;
            foreach (var batch in BatchIterator.Batches(pool, options, g))
            {
                using (batch) _ = batch.shape;
                if (++produced == stepsPerRepeat) break;
            }
            dataTimes.Add(watch.Elapsed.TotalSeconds / stepsPerRepeat);
        }
        double step = Median(stepTimes);
        double flops = FlopCount.TrainingFlopsPerExample(config);
        double achieved = flops * Batch / step / 1e9;
        return new TrainingBench(name, model.ParameterCount, step * 1000, Batch / step, flops / 1e9, achieved, achieved / gemm, Median(dataTimes) / step, FlopCount.Layers(config));
    }

    static void Steps(VariationalAutoencoder model, optim.Optimizer optimizer, Tensor pool, BatchOptions options, Generator g, int count)
    {
        model.train();
        int done = 0;
        foreach (var index in BatchIterator.Indices(pool.shape[0], options, g))
        {
            using var batchIndex = index;
            using var scope = torch.NewDisposeScope();
            using var onDevice = index.to(pool.device);
            Trainer.TrainStep(model, optimizer, pool.index_select(0, onDevice), g); // batch [B, C, H, W]
            if (++done == count) break;
        }
    }

    static double IwThroughput(ModelConfig config, int k, Device device)
    {
        using var model = Trainer.CreateModel(config, 1, device);
        using var g = Devices.Generator(4, device);
        using var images = Noise.Uniform([40, config.Channels, config.Height, config.Width], g, device);
        Evaluator.ImportanceWeightedLogLikelihood(model, images.narrow(0, 0, 10), k); // warm-up; the library's default batch and chunk
        var watch = Stopwatch.StartNew();
        Evaluator.ImportanceWeightedLogLikelihood(model, images, k);
        return images.shape[0] / watch.Elapsed.TotalSeconds;
    }

    static List<double> Memory(ModelConfig config, Device device, BenchScale scale)
    {
        using var model = Trainer.CreateModel(config, 1, device);
        using var optimizer = Trainer.CreateOptimizer(model, new TrainingConfig());
        using var g = Devices.Generator(5, device);
        using var pool = Noise.Uniform([4096, config.Channels, config.Height, config.Width], g, device);
        var rss = new List<double>();
        for (int epoch = 0; epoch < scale.MemoryEpochs; epoch++)
        {
            // One MNIST epoch's worth of steps, as passes over the pool. No forced GC: tensors left to the
            // finalizer instead of a dispose scope would show up here as growth.
            for (int done = 0; done < scale.MemoryStepsPerEpoch; done += 32)
                Steps(model, optimizer, pool, new BatchOptions(Batch), g, Math.Min(32, scale.MemoryStepsPerEpoch - done)); // ≤ 32 steps = one pass over the pool
            using var p = Process.GetCurrentProcess();
            rss.Add(p.WorkingSet64 / 1048576.0);
        }
        return rss;
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }
}
