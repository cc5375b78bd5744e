using System.CommandLine;
using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Training;
using Vae.Data;
using Vae.Data.Acquisition;
using Vae.Experiments.Figures;
using Vae.Experiments.Runs;
using static TorchSharp.torch;
using Vae.Core.Runtime;
using Vae.Experiments.Terminal;
using Vae.Core.Files;

namespace Vae.Experiments.Cli;

/// <summary>`train`: options checked before any data loads, the run folder locked, a checkpoint there continued
/// (`--resume`), moved aside (`--restart`) or refused (damaged, or not asked for), then training with progress.</summary>
internal static class TrainCommand
{
    public static Command Create()
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
        var limit = Options.Limit("Train on the first N training images (a quick check; default: all). The test set stays whole, so the final test is what evaluate gives.");
        var cmd = new Command("train", "Train a VAE on a dataset and save the checkpoint and history.") { dataset, latent, arch, epochs, seed, device, outDir, resume, restart, freshOptimizer, dataDir, lr, schedule, extraConvs, hidden, binarization, warmup, klWarmup, weightDecay, emaDecay, decoderDropout, channels, limit };
        cmd.SetAction((r, ct) =>
        {
            // Every option is checked before any data is loaded; errors name the option as typed.
            string name = r.GetValue(dataset)!;
            var spec = DatasetStore.Shape(name);
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
                Epochs = r.GetValue(epochs), Seed = r.GetValue(seed), LearningRate = r.GetValue(lr),
                Schedule = r.GetValue(schedule), Binarization = r.GetValue(binarization),
                WarmupSteps = r.GetValue(warmup), KlWarmupEpochs = r.GetValue(klWarmup), WeightDecay = r.GetValue(weightDecay),
                EmaDecay = r.GetValue(emaDecay),
            }));
            var placement = Options.Checked(() => ConfigValidator.Validate(new Placement { Device = r.GetValue(device)! }));
            bool resuming = r.GetValue(resume), restarting = r.GetValue(restart);
            if (resuming && restarting) throw new ArgumentException("--resume and --restart exclude each other: continue the checkpoint, or move it aside and start over");
            if (r.GetValue(freshOptimizer) && !resuming) throw new ArgumentException("--fresh-optimizer applies to --resume only");
            var existing = restarting ? ExistingCheckpoint.Restart : resuming ? ExistingCheckpoint.Resume : ExistingCheckpoint.Refuse;
            // The run claims --out and decides about its checkpoint before any data is loaded.
            using var run = TrainingRun.Open(RunFolders.In(dir), model, training, existing, r.GetValue(freshOptimizer), Console.Error.WriteLine);
            var dev = Devices.Resolve(placement.Device);
            var data = DataAccess.Options(r.GetValue(dataDir));
            using var train = Limited(DatasetStore.Load(name, Split.Train, data, new LineLog(Console.Error.WriteLine)).Dataset, r.GetValue(limit), dev);
            using var test = Limited(DatasetStore.Load(name, Split.Test, data, new LineLog(Console.Error.WriteLine)).Dataset, null, dev); // always whole: the final test is evaluate's number
            using var vae = Trainer.CreateModel(model, training.Seed, dev);
            var history = ConsoleProgress.Run($"{name}", p => run.Train(vae, new TrainingData(train.Images, test.Images),
                new TrainingOptions(Progress: p, Cancellation: ct, OnEpoch: m => p.Epoch(m, training.Epochs))
                { Placement = placement, OnNotice = n => Console.Error.WriteLine($"vae: note: {n}") }));
            ModelFigures.Loss([(training.Seed, history.Epochs)], Path.Combine(dir, "loss.png"), $"{name}: negative ELBO per epoch");
            Console.WriteLine(history.FinalTest is { } final
                ? $"final test ({test.Count} images{(training.Binarization == Binarization.Dynamic ? $", binarised with seed {EvaluationSet.BinarizationSeed}" : "")}): total {final.Total:F4}, reconstruction {final.Reconstruction:F4}, KL {final.Kl:F4}; wrote {dir}"
                : $"no test evaluated; wrote {dir}");
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
}
