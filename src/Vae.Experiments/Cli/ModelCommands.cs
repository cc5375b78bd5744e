using System.CommandLine;
using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Models;
using Vae.Core.Training;
using Vae.Data;
using Vae.Data.Acquisition;
using Vae.Experiments.Figures;
using Vae.Experiments.Runs;
using TorchSharp;
using static TorchSharp.torch;
using Vae.Core.Runtime;
using Vae.Experiments.Terminal;

namespace Vae.Experiments.Cli;

/// <summary>`train` (<see cref="TrainCommand"/>), `evaluate`, `sample`, `reconstruct`, `latent`, `manifold`.</summary>
internal static class ModelCommands
{
    public static IEnumerable<Command> Create() => [TrainCommand.Create(), Evaluate(), Sample(), Reconstruct(), Latent(), Manifold()];

    static Command Evaluate()
    {
        var checkpoint = Options.Checkpoint();
        var iw = Options.IwSamples();
        var device = Options.Device();
        var dataDir = Options.DataDir();
        var limit = Options.Limit("Evaluate only the first N test images.");
        var cmd = new Command("evaluate", "Test-set negative ELBO (and optionally the importance-weighted log-likelihood) of a checkpoint.") { checkpoint, iw, device, dataDir, limit };
        cmd.SetAction((r, ct) =>
        {
            var dev = Devices.Resolve(r.GetValue(device)!);
            var (vae, state) = Checkpoint.LoadModel(Options.CheckpointIn(r.GetValue(checkpoint)!), dev);
            using (vae)
            {
                using var testFull = TestSplit(state, r.GetValue(dataDir), torch.CPU, Console.Error.WriteLine);
                using var whole = EvaluationSet.For(testFull.Images, state.Training.Binarization); // the rule: binarised as trained
                using var prefix = whole.Take(r.GetValue(limit) ?? whole.Count);                    // same draws as the whole set's prefix
                using var scored = prefix.To(dev);
                if (scored.Binarized) Console.WriteLine($"trained on binarised images: the test set is binarised with seed {EvaluationSet.BinarizationSeed}");
                var m = scored.Score(vae);
                Console.WriteLine($"{state.Training.Dataset} test ({scored.Count} images): total {m.Total:F4}, reconstruction {m.Reconstruction:F4}, KL {m.Kl:F4}");
                if (r.GetValue(iw) is int k)
                {
                    var ll = scored.LogLikelihood(vae, k, ConsoleProgress.Interactive ? null : new EstimateProgress("", k, Console.WriteLine), ct);
                    Console.WriteLine($"importance-weighted log p(x) with k = {k}: {ll:F4} (NLL {-ll:F4} nats)");
                }
            }
            return Task.FromResult(0);
        });
        return cmd;
    }

    static Command Sample() => ImageCommand("sample", "Decode samples from the prior into a PNG grid.", (vae, _, dev, seed, n) =>
    {
        using var g = Devices.Generator(seed, dev);
        return Generation.SamplePrior(vae, n, g, dev);
    });

    static Command Reconstruct() => ImageCommand("reconstruct", "The first --count test images and their reconstructions, 10 columns: a row of originals, then the row of their reconstructions beneath.", (vae, test, _, _, n) =>
    {
        using var x = test.Images.narrow(0, 0, Math.Min(n, test.Count));
        return ModelFigures.ReconstructionGrid(vae, x); // [2n, C, H, W]
    });

    static Command Latent()
    {
        var checkpoint = Options.Checkpoint();
        var outFile = Options.PngOut();
        var device = Options.Device();
        var dataDir = Options.DataDir();
        var cmd = new Command("latent", "Scatter of the test set's latent means coloured by class (PCA to 2-D when the latent is larger).") { checkpoint, outFile, device, dataDir };
        cmd.SetAction(r =>
        {
            var dev = Devices.Resolve(r.GetValue(device)!);
            var (vae, state) = Checkpoint.LoadModel(Options.CheckpointIn(r.GetValue(checkpoint)!), dev);
            using (vae)
            {
                using var test = TestSplit(state, r.GetValue(dataDir), dev, Console.Error.WriteLine);
                ModelFigures.Latent(vae, test, r.GetValue(outFile)!, $"{state.Training.Dataset}: test-set latent means");
            }
            Console.WriteLine($"wrote {r.GetValue(outFile)}");
            return 0;
        });
        return cmd;
    }

    static Command Manifold()
    {
        var checkpoint = Options.Checkpoint();
        var outFile = Options.PngOut();
        var side = Options.Int("--side", "Grid points per axis (2 to 64).", 20, 2, 64);
        var device = Options.Device();
        var cmd = new Command("manifold", "Decode a grid of 2-D latent points through the inverse Gaussian CDF (paper Fig. 4).") { checkpoint, outFile, side, device };
        cmd.SetAction(r =>
        {
            var dev = Devices.Resolve(r.GetValue(device)!);
            var (vae, _) = Checkpoint.LoadModel(Options.CheckpointIn(r.GetValue(checkpoint)!), dev);
            using (vae) ModelFigures.Manifold(vae, r.GetValue(outFile)!, dev, r.GetValue(side));
            Console.WriteLine($"wrote {r.GetValue(outFile)}");
            return 0;
        });
        return cmd;
    }

    static Command ImageCommand(string name, string description, Func<VariationalAutoencoder, ImageDataset, Device, long, int, Tensor> make)
    {
        var checkpoint = Options.Checkpoint();
        var outFile = Options.PngOut();
        var count = Options.Int("--count", "Number of images (1 to 10,000).", 100, 1, 10_000);
        var seed = Options.Seed();
        var device = Options.Device();
        var dataDir = Options.DataDir();
        var cmd = new Command(name, description) { checkpoint, outFile, count, seed, device, dataDir };
        cmd.SetAction(r =>
        {
            var dev = Devices.Resolve(r.GetValue(device)!);
            var (vae, state) = Checkpoint.LoadModel(Options.CheckpointIn(r.GetValue(checkpoint)!), dev);
            using (vae)
            {
                using var test = name == "sample"
                    ? null
                    : TestSplit(state, r.GetValue(dataDir), dev, Console.Error.WriteLine);
                using var images = make(vae, test!, dev, r.GetValue(seed), r.GetValue(count));
                ImageGrid.Save(images, 10, r.GetValue(outFile)!);
            }
            Console.WriteLine($"wrote {r.GetValue(outFile)}");
            return 0;
        });
        return cmd;
    }

    /// <summary>The test split of the dataset a checkpoint was trained on, on <paramref name="device"/>.</summary>
    static ImageDataset TestSplit(CheckpointState state, string? dataDir, Device device, Action<string> log)
    {
        using var loaded = DatasetStore.Load(state.Training.Dataset, Split.Test, DataAccess.Options(dataDir), new LineLog(log)).Dataset;
        return loaded.To(device);
    }
}
