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

namespace Vae.Experiments.Cli;

/// <summary>`train`, `evaluate`, `sample`, `reconstruct`, `latent`, `manifold`.</summary>
internal static class ModelCommands
{
    public static IEnumerable<Command> Create() => [Train(), Evaluate(), Sample(), Reconstruct(), Latent(), Manifold()];

    static Command Train()
    {
        var dataset = Options.Dataset();
        var latent = Options.Int("--latent", "Latent dimension.", 2);
        var arch = Options.Choice("--architecture", "conv (the seed's CNN) or mlp (the paper's).", Architecture.Conv);
        var epochs = Options.Int("--epochs", "Passes over the training set.", 30);
        var seed = Options.Seed();
        var device = Options.Device();
        var outDir = Options.Out("Run folder: checkpoint, config and history are written here.");
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in --out." };
        var restart = new Option<bool>("--restart") { Description = "Start over at epoch 1: a checkpoint in --out (complete or damaged) is moved aside to checkpoint.aside-<time>, not deleted." };
        var freshOptimizer = new Option<bool>("--fresh-optimizer") { Description = "With --resume: continue a checkpoint that has no optimizer.pt (such as a committed results/ checkpoint) with a fresh optimizer state." };
        var dataDir = Options.DataDir();
        var lr = new Option<double>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 1e-3 };
        var schedule = Options.Choice("--schedule", "constant, or cosine decay to 0 over the run.", LearningRateSchedule.Constant);
        var extraConvs = Options.Int("--extra-convs", "Conv only: extra 3x3 convolutions per resolution level in encoder and decoder (0: the seed's shallow design).", 0, min: 0);
        var hidden = new Option<int?>("--hidden") { Description = "Units of the fully connected hidden layer (default: 256 for the 28x28 conv model, 1024 for 32x32 RGB, 500 for mlp)." };
        var binarization = Options.Choice("--binarization", "none (intensities as targets) or dynamic (training images re-sampled as Bernoulli(intensity) each time they are seen).", Binarization.None);
        var warmup = Options.Int("--warmup-steps", "Steps of linear step-size warm-up before the schedule (0: none).", 0, min: 0);
        var klWarmup = Options.Int("--kl-warmup-epochs", "Epochs over which the KL weight of the training objective rises linearly to 1 (0: none).", 0, min: 0);
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay of the optimizer.", DefaultValueFactory = _ => 0 };
        var emaDecay = new Option<double>("--ema-decay") { Description = "Decay of an exponential moving average of the weights, updated every step and evaluated, in [0, 1) (0: none; 0.999 averages about the last 1,000 steps).", DefaultValueFactory = _ => 0 };
        var decoderDropout = new Option<double>("--decoder-dropout") { Description = "Dropout rate on the decoder's hidden layer while training, in [0, 1) (0: none).", DefaultValueFactory = _ => 0 };
        var channels = new Option<int[]?>("--channels") { Description = "Conv only: output channels of each stride-2 convolution, e.g. --channels 32 64 (default: 32 64 for 28x28).", AllowMultipleArgumentsPerToken = true };
        var limit = Options.Limit("Train on the first N training images and test on the first N test images (a quick check; default: all).");
        var cmd = new Command("train", "Train a VAE on a dataset and save the checkpoint and history.") { dataset, latent, arch, epochs, seed, device, outDir, resume, restart, freshOptimizer, dataDir, lr, schedule, extraConvs, hidden, binarization, warmup, klWarmup, weightDecay, emaDecay, decoderDropout, channels, limit };
        cmd.SetAction((r, ct) =>
        {
            // Every option is checked before any data is loaded; errors name the option as typed.
            string name = r.GetValue(dataset)!;
            var spec = DatasetCatalog.Get(name);
            var baseModel = r.GetValue(arch) == Architecture.Mlp ? ModelConfig.PaperMlp(r.GetValue(latent)) : Entries.Conv28(r.GetValue(latent));
            var shaped = spec.Channels == 3 && r.GetValue(arch) == Architecture.Conv
                ? ModelConfig.ConvRgb32(r.GetValue(latent))
                : baseModel with { Channels = spec.Channels, Height = spec.Height, Width = spec.Width };
            var model = Options.Checked(() => ConfigValidator.Validate(shaped with
            {
                ExtraConvsPerLevel = shaped.Architecture == Architecture.Conv ? r.GetValue(extraConvs) : 0,
                HiddenDim = r.GetValue(hidden) ?? shaped.HiddenDim,
                DecoderDropout = r.GetValue(decoderDropout),
                ConvChannels = r.GetValue(channels) is { Length: > 0 } ch && shaped.Architecture == Architecture.Conv ? ch : shaped.ConvChannels,
            }));
            string dir = r.GetValue(outDir)!;
            var training = Options.Checked(() => ConfigValidator.Validate(Entries.Protocol(name) with
            {
                Epochs = r.GetValue(epochs), Seed = r.GetValue(seed), Device = r.GetValue(device)!, LearningRate = r.GetValue(lr),
                Schedule = r.GetValue(schedule), Binarization = r.GetValue(binarization),
                WarmupSteps = r.GetValue(warmup), KlWarmupEpochs = r.GetValue(klWarmup), WeightDecay = r.GetValue(weightDecay),
                EmaDecay = r.GetValue(emaDecay),
                CheckpointDir = Path.Combine(dir, "checkpoint"),
            }));
            bool resuming = r.GetValue(resume), restarting = r.GetValue(restart);
            if (resuming && restarting) throw new ArgumentException("--resume and --restart exclude each other: continue the checkpoint, or move it aside and start over");
            if (r.GetValue(freshOptimizer) && !resuming) throw new ArgumentException("--fresh-optimizer applies to --resume only");
            using var claim = RunLock.Acquire(dir); // before anything is written: a second train on the same folder, through any path, stops here
            var status = CheckpointStatus.Of(training.CheckpointDir!);
            if (restarting && status.Condition != CheckpointCondition.None)
                Console.Error.WriteLine($"moved the {(status.IsComplete ? "" : "damaged ")}checkpoint aside to {Checkpoint.MoveAside(training.CheckpointDir!)}; starting at epoch 1");
            else if (status.Condition == CheckpointCondition.Damaged) throw status.Error();
            else if (!resuming && status.IsComplete)
                throw new ArgumentException($"{dir} already holds a checkpoint; pass --resume to continue it, --restart to start over (it is moved aside), or choose another --out");
            else if (resuming && !status.IsComplete)
                Console.Error.WriteLine($"no checkpoint in {training.CheckpointDir} to resume; starting at epoch 1");
            bool hasCheckpoint = status.IsComplete && !restarting;
            if (resuming && hasCheckpoint) // the refusals of a resume, before any data is loaded
                Checkpoint.CheckResume(status, model, training, averaging: training.EmaDecay > 0, restoresOptimizer: true, r.GetValue(freshOptimizer));
            var dev = Devices.Resolve(r.GetValue(device)!);
            var data = Options.Data(r.GetValue(dataDir));
            using var train = Limited(DatasetStore.Load(name, Split.Train, data, new DataCommands.Log(Console.Error.WriteLine)).Dataset, r.GetValue(limit), dev);
            using var test = Limited(DatasetStore.Load(name, Split.Test, data, new DataCommands.Log(Console.Error.WriteLine)).Dataset, r.GetValue(limit), dev);
            Directory.CreateDirectory(dir);
            // config.json describes the run in the folder: a resume writes it only once the checkpoint has accepted the settings.
            string configFile = Path.Combine(dir, "config.json"), configJson = ConfigJson.Serialize(new { model, training });
            if (!(resuming && hasCheckpoint)) AtomicFile.WriteText(configFile, configJson);
            using var vae = Trainer.CreateModel(model, training.Seed, dev);
            var history = ConsoleProgress.Run($"{name}", p => Trainer.Fit(vae, training, new TrainingData(train.Images, test.Images),
                new TrainingOptions(resuming && hasCheckpoint, p, ct, m => { AtomicFile.WriteText(configFile, configJson); p.Epoch(m, training.Epochs); })
                { OnNotice = n => Console.Error.WriteLine($"vae: note: {n}"), FreshOptimizer = r.GetValue(freshOptimizer) }));
            AtomicFile.WriteText(Path.Combine(dir, "history.json"), ConfigJson.Serialize(history));
            ModelFigures.Loss([(training.Seed, history.Epochs)], Path.Combine(dir, "loss.png"), $"{name}: negative ELBO per epoch");
            Console.WriteLine($"final test {history.FinalTest?.Total:F2}; wrote {dir}");
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>The first <paramref name="limit"/> images of a loaded split (all without a limit), on <paramref name="device"/>; disposes the loaded one.</summary>
    static ImageDataset Limited(ImageDataset loaded, int? limit, Device device)
    {
        using (loaded)
        {
            if (limit is not int n || n >= loaded.Count) return loaded.To(device);
            using var prefix = loaded.Take(n);
            return prefix.To(device);
        }
    }

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
            var (vae, state) = Checkpoint.LoadModel(r.GetValue(checkpoint)!, dev);
            using (vae)
            {
                using var testFull = TestSplit(state, r.GetValue(dataDir), torch.CPU, Console.Error.WriteLine);
                using var test = (r.GetValue(limit) is int l ? testFull.Take(Math.Min(l, testFull.Count)) : testFull).To(dev);
                bool binary = state.Training.Binarization == Binarization.Dynamic;
                using var binaryFull = binary ? Evaluator.BinarizeFixed(testFull.Images) : null;
                using var binarized = binaryFull?.narrow(0, 0, test.Count).to(dev); // same draws as the full set's prefix
                var images = binarized ?? test.Images;
                if (binary) Console.WriteLine($"trained on binarised images: the test set is binarised with seed {Evaluator.BinarizationSeed}");
                var m = Evaluator.Evaluate(vae, images, Reproducer.EvalBatch);
                Console.WriteLine($"{state.Training.Dataset} test ({test.Count} images): total {m.Total:F4}, reconstruction {m.Reconstruction:F4}, KL {m.Kl:F4}");
                if (r.GetValue(iw) is int k)
                {
                    var ll = ConsoleProgress.Interactive
                        ? Evaluator.ImportanceWeightedLogLikelihood(vae, images, k, cancellationToken: ct)
                        : Evaluator.ImportanceWeightedLogLikelihood(vae, images, k, progress: new EstimateProgress("", k, Console.WriteLine), cancellationToken: ct);
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
            var (vae, state) = Checkpoint.LoadModel(r.GetValue(checkpoint)!, dev);
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
            var (vae, _) = Checkpoint.LoadModel(r.GetValue(checkpoint)!, dev);
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
            var (vae, state) = Checkpoint.LoadModel(r.GetValue(checkpoint)!, dev);
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
        using var loaded = DatasetStore.Load(state.Training.Dataset, Split.Test, Options.Data(dataDir), new DataCommands.Log(log)).Dataset;
        return loaded.To(device);
    }
}
