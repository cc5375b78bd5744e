using TorchSharp;
using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Models;
using Vae.Core.Training;
using Vae.Core.Randomness;
using static TorchSharp.torch;
using Vae.Core.Metrics;
using Vae.Core.Runtime;

namespace Vae.Experiments.Doctor;

/// <summary>One quantity the check computes on a device, as numbers to compare with the CPU's.</summary>
/// <param name="Name">What it is ("train step 2 loss").</param>
/// <param name="Values">Its values (a scalar is one value).</param>
internal sealed record Measured(string Name, double[] Values);

/// <summary>What the check found on one device.</summary>
/// <param name="Device">The device ("cpu", "cuda").</param>
/// <param name="Quantities">The quantities, in the order they were computed.</param>
/// <param name="RoundTripExact">Weights saved from this device, loaded on the CPU and back on this device, equal the saved ones bit for bit.</param>
/// <param name="Seconds">Wall time of the path.</param>
internal sealed record DevicePath(string Device, IReadOnlyList<Measured> Quantities, bool RoundTripExact, double Seconds);

/// <summary>One line of the comparison: a quantity on the device against the CPU.</summary>
/// <param name="Name">The quantity.</param>
/// <param name="Device">Its first value on the device.</param>
/// <param name="Cpu">Its first value on the CPU.</param>
/// <param name="RelativeDifference">max |device − cpu| / max(max |cpu|, 1e-12) over its values.</param>
internal sealed record Compared(string Name, double Device, double Cpu, double RelativeDifference);

/// <summary>
/// The path of <c>vae doctor</c>: everything a run does, in small, on one device, with fixed seeds: two training steps
/// of the seed's MNIST model on synthetic images, <see cref="Evaluator.Evaluate"/>, the importance-weighted estimate with
/// k = 8, prior samples, and a checkpoint round trip (saved from the device, loaded on the CPU and back). Because every
/// draw is made on the CPU (<see cref="Noise"/>), two devices see the same noise and differ only by arithmetic.
/// </summary>
internal static class DeviceCheck
{
    /// <summary>
    /// The largest relative difference accepted between a device and the CPU. cuDNN runs float32 convolutions in TF32
    /// by default (10-bit mantissa: about 5e-4 relative error per product), and backward passes on a GPU sum with atomics
    /// in an unspecified order; over two Adam steps and the evaluations these stay well under 1e-2 relative, while a wrong
    /// kernel, device mix-up or lost noise stream gives differences of order 1.
    /// </summary>
    public const double Tolerance = 1e-2;

    /// <summary>Runs the path on <paramref name="device"/>.</summary>
    public static DevicePath Run(Device device, string scratch)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var config = new ModelConfig { LatentDim = 2, ConvChannels = [32, 64], HiddenDim = 256 };   // the seed's MNIST model
        var training = new TrainingConfig { Epochs = 1, BatchSize = 64, LearningRate = 1e-3, Seed = 1 };
        var quantities = new List<Measured>();
        using var model = Trainer.CreateModel(config, training.Seed, device);
        using var optimizer = Trainer.CreateOptimizer(model, training);
        using var generator = Devices.Generator(training.Seed + Trainer.NoiseSeedOffset, device);
        using var images = Images(256, device);                                                   // [256, 1, 28, 28]
        model.train();
        for (int step = 1; step <= 2; step++)
        {
            using var scope = torch.NewDisposeScope();
            using var index = Noise.Permutation(images.shape[0], generator, device);
            var batch = images.index_select(0, index.narrow(0, 0, training.BatchSize));              // [64, 1, 28, 28]
            var sums = Trainer.TrainStep(model, optimizer, batch, generator);
            quantities.Add(new($"train step {step} loss", [sums.Total / training.BatchSize]));
        }
        LossSummary test;
        using (var scored = EvaluationSet.For(images, training.Binarization)) test = scored.Score(model); // the evaluation rule, as evaluate applies it
        quantities.Add(new("evaluate: total", [test.Total]));
        quantities.Add(new("evaluate: reconstruction", [test.Reconstruction]));
        quantities.Add(new("evaluate: KL", [test.Kl]));
        quantities.Add(new("IW log p(x), k = 8", [Evaluator.ImportanceWeightedLogLikelihood(model, images.narrow(0, 0, 16), 8)]));
        using (var g = Devices.Generator(Evaluator.DefaultSeed, device))
        using (var samples = Generation.SamplePrior(model, 16, g, device))
            quantities.Add(new("prior samples (16 images)", Host(samples)));
        quantities.Add(new("weights after 2 steps", model.parameters().SelectMany(Host).ToArray()));
        bool exact = RoundTrip(model, optimizer, generator, training, device, scratch);
        return new DevicePath(device.type == DeviceType.CPU ? "cpu" : device.ToString(), quantities, exact, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Each quantity of <paramref name="device"/> against the same one on <paramref name="cpu"/>.</summary>
    public static IReadOnlyList<Compared> Compare(DevicePath device, DevicePath cpu) =>
        device.Quantities.Zip(cpu.Quantities, (d, c) =>
        {
            double scale = Math.Max(c.Values.Max(Math.Abs), 1e-12), worst = 0;
            for (int i = 0; i < c.Values.Length; i++) worst = Math.Max(worst, Math.Abs(d.Values[i] - c.Values[i]) / scale);
            if (d.Values.Length != c.Values.Length || d.Values.Any(double.IsNaN)) worst = double.PositiveInfinity;
            return new Compared(d.Name, d.Values[0], c.Values[0], worst);
        }).ToList();

    /// <summary>Synthetic images in [0, 1] drawn from a fixed seed (no dataset needed): the same on every device.</summary>
    static Tensor Images(int n, Device device)
    {
        using var g = Noise.Generator(20261128);
        using var u = Noise.Uniform([n, 1, 28, 28], g, device);
        return u * u;   // skewed towards 0, as MNIST pixels are
    }

    static double[] Host(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        return t.detach().to(torch.CPU).to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
    }

    /// <summary>Saves from the device, loads on the CPU and back on the device: both loads equal the saved weights bit for bit.</summary>
    static bool RoundTrip(VariationalAutoencoder model, optim.Optimizer optimizer, Generator generator, TrainingConfig training, Device device, string scratch)
    {
        string dir = Path.Combine(scratch, $"doctor-{(device.type == DeviceType.CPU ? "cpu" : "cuda")}-{Environment.ProcessId}");
        try
        {
            Checkpoint.Save(dir, model, optimizer, generator, training, [new EpochMetrics(1, new LossSummary(0, 0, 0), null, 1, 1, 64)]);
            var saved = model.parameters().SelectMany(Host).ToArray();
            var (onCpu, _) = Checkpoint.LoadModel(dir, torch.CPU);
            using (onCpu)
            {
                if (!onCpu.parameters().SelectMany(Host).SequenceEqual(saved)) return false;
            }
            using var back = Trainer.CreateModel(model.Config, 99, device);
            using var backOptimizer = Trainer.CreateOptimizer(back, training);
            using var backGenerator = Devices.Generator(0, device);
            Checkpoint.Restore(dir, back, backOptimizer, backGenerator);
            return back.parameters().SelectMany(Host).SequenceEqual(saved);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
