using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Models;
using Vae.Core.Training;
using Vae.Data;
using Vae.Data.Acquisition;
using Vae.Experiments.Figures;
using static TorchSharp.torch;
using Vae.Core.Runtime;
using Vae.Experiments.Terminal;
using Vae.Core.Files;

namespace Vae.Experiments.Runs;

/// <summary>Options of a reproduce run.</summary>
/// <param name="Seeds">Seeds to run (1..N); null uses the entry's default.</param>
/// <param name="Quick">Small subset and 2 epochs, written to a scratch folder: checks the path end to end.</param>
/// <param name="ResultsDir">Where results/&lt;entry&gt;/ goes.</param>
/// <param name="RunsDir">Where full per-seed checkpoints (with optimizer state) go, for resuming.</param>
/// <param name="Data">Dataset options.</param>
/// <param name="Device">auto | cpu | cuda.</param>
/// <param name="Force">Retrain seeds that already have results.</param>
/// <param name="Epochs">Override of the entry's epochs (null keeps the protocol).</param>
internal sealed record ReproduceOptions(int? Seeds, bool Quick, string ResultsDir, string RunsDir, DataOptions Data, string Device, bool Force, int? Epochs = null);

/// <summary>Trains, evaluates and draws one entry of the table and writes results/&lt;entry&gt;/.</summary>
internal static class Reproducer
{
    /// <summary>Training and test examples used by --quick.</summary>
    public const int QuickTrain = 2000, QuickTest = 500, QuickEpochs = 2;

    /// <summary>Runs <paramref name="entry"/> and returns its metrics (also written to metrics.json). Seeds with results are reused; a killed seed resumes from its checkpoint.</summary>
    public static EntryMetrics Run(Entry entry, ReproduceOptions o, Action<string> log, CancellationToken ct)
    {
        var device = Devices.Resolve(o.Device);
        string dataset = entry.Training.Dataset;
        var (train, test) = LoadSplits(dataset, o with { Data = o.Data with { AllowSample = o.Quick || o.Data.AllowSample } }, device, log);
        using var trainOwned = train;
        using var testOwned = test;
        var model = ConfigValidator.Validate(entry.Model with { Channels = train.Info.Channels, Height = train.Info.Height, Width = train.Info.Width });
        int epochs = o.Epochs ?? (o.Quick ? QuickEpochs : entry.Training.Epochs);
        string outDir = Path.Combine(o.ResultsDir, entry.Name);
        Directory.CreateDirectory(Path.Combine(outDir, "seeds"));
        int seedCount = o.Seeds ?? entry.Seeds;
        var results = new List<SeedResult>();
        for (long seed = 1; seed <= seedCount; seed++)
        {
            ct.ThrowIfCancellationRequested();
            string seedFile = Path.Combine(outDir, "seeds", $"seed-{seed}.json");
            if (!o.Force && File.Exists(seedFile))
            {
                var previous = JsonSerializer.Deserialize<SeedResult>(File.ReadAllText(seedFile), ConfigJson.Options)!;
                if (previous.History.Count == epochs)
                {
                    log($"{entry.Name}: seed {seed} already done ({seedFile}); pass --force to retrain");
                    results.Add(previous);
                    continue;
                }
            }
            var training = ConfigValidator.Validate(entry.Training with { Seed = seed, Epochs = epochs });
            // The seed's run: resumed when its checkpoint is there; with --force, retrained with the old one moved aside.
            using (var seedRun = TrainingRun.Open(new RunFolders(SeedCheckpoint(o, entry, model, epochs, seed)), model, training,
                       o.Force ? ExistingCheckpoint.Restart : ExistingCheckpoint.Resume, notice: n => log($"{entry.Name}: seed {seed}: {n}")))
                results.Add(TrainSeed(entry, seedRun, train, test, device, log, ct));
            AtomicFile.WriteText(seedFile, ConfigJson.Serialize(results[^1]));
        }

        // Figures come from seed 1; only headline entries commit its weights (results/<entry>/checkpoint).
        string checkpointDir = Path.Combine(outDir, "checkpoint");
        string seedOneCheckpoint = SeedCheckpoint(o, entry, model, epochs, 1);
        bool seedOneExists = Checkpoint.Exists(seedOneCheckpoint);
        bool seedOneMatches = seedOneExists && MatchesResult(Checkpoint.ReadState(seedOneCheckpoint), model, results[0]);
        if (seedOneExists && !seedOneMatches)
            log($"{entry.Name}: {seedOneCheckpoint} is not the run behind seed 1's result (other epochs or settings); it is not used");
        if (entry.Headline && seedOneMatches) CopyWeights(seedOneCheckpoint, checkpointDir);
        string weights = entry.Headline || !seedOneMatches ? checkpointDir : seedOneCheckpoint;
        if (!Checkpoint.Exists(weights))
            log($"{entry.Name}: no weights of seed 1 here (not a headline entry, and {seedOneCheckpoint} is gone); the figures in {outDir} are kept as they are");
        else
        {
            var (vae, _) = Checkpoint.LoadModel(weights, device, model);
            using (vae)
            {
                log($"{entry.Name}: drawing figures in {outDir}");
                ModelFigures.Samples(vae, Path.Combine(outDir, "samples.png"), Evaluator.DefaultSeed, device);
                ModelFigures.Reconstructions(vae, test.Images, Path.Combine(outDir, "reconstructions.png"));
                ModelFigures.Latent(vae, test, Path.Combine(outDir, "latent.png"), $"{entry.Name}: test-set latent means");
                if (model.LatentDim == 2) ModelFigures.Manifold(vae, Path.Combine(outDir, "manifold.png"), device);
            }
        }
        ModelFigures.Loss(results.Select(r => (r.Seed, r.History)).ToList(), Path.Combine(outDir, "loss.png"), $"{entry.Name}: negative ELBO per epoch");

        var testAgg = Aggregate.Of(results.Select(r => r.Test).ToList());
        var trainAgg = Aggregate.Of(results.Select(r => r.Train).ToList());
        var run = results[0].Run;
        var metrics = new EntryMetrics(entry.Name, dataset, model.LatentDim, model.Architecture.ToString().ToLowerInvariant(), LayerPlan.ParameterCount(model),
            epochs, entry.Training.BatchSize, entry.Training.Optimizer.ToString().ToLowerInvariant(), entry.Training.LearningRate,
            results.Select(r => r.Seed).ToList(), testAgg, trainAgg, entry.Reference,
            entry.Reference is null || o.Quick ? null : testAgg.Total - entry.Reference.Total, results, model,
            entry.Training with { Epochs = epochs, Seed = 1 }, o.Quick, train.Count, test.Count,
            run.Commit, results.Sum(r => r.WallSeconds),
            run.Device, run.Threads);
        AtomicFile.WriteText(Path.Combine(outDir, "metrics.json"), ConfigJson.Serialize(metrics));
        log($"{entry.Name}: test {testAgg.Total:F2} ± {testAgg.TotalSd:F2} (rec {testAgg.Reconstruction:F2}, KL {testAgg.Kl:F2})" +
            (entry.Reference is null || o.Quick ? "" : $", reference {entry.Reference.Total:F2}, difference {testAgg.Total - entry.Reference.Total:+0.00;-0.00}") +
            $"; wrote {Path.Combine(outDir, "metrics.json")}");
        return metrics;
    }

    /// <summary>The training and test splits of <paramref name="dataset"/> on <paramref name="device"/>; with --quick, their first <see cref="QuickTrain"/> and <see cref="QuickTest"/> images. The caller owns both.</summary>
    public static (ImageDataset Train, ImageDataset Test) LoadSplits(string dataset, ReproduceOptions o, Device device, Action<string> log)
    {
        var logSync = new LineLog(log);
        using var trainFull = DatasetStore.Load(dataset, Split.Train, o.Data, logSync).Dataset;
        using var testFull = DatasetStore.Load(dataset, Split.Test, o.Data, logSync).Dataset;
        if (!o.Quick) return (trainFull.To(device), testFull.To(device)); // new handles: disposing the loaded ones is safe
        using var train = trainFull.Take(Math.Min(QuickTrain, trainFull.Count));
        using var test = testFull.Take(Math.Min(QuickTest, testFull.Count));
        return (train.To(device), test.To(device));
    }

    static SeedResult TrainSeed(Entry entry, TrainingRun run, ImageDataset train, ImageDataset test, Device device, Action<string> log, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var info = RunInfo.Capture(device);
        var training = run.Protocol;
        using var vae = Trainer.CreateModel(run.Model, training.Seed, device);
        log($"{entry.Name}: seed {training.Seed}, {vae.ParameterCount:N0} parameters, {training.Epochs} epochs on {train.Count} images ({device})");
        var history = ConsoleProgress.Run($"{entry.Name} seed {training.Seed}", progress =>
            run.Train(vae, new TrainingData(train.Images, test.Images),
                new TrainingOptions(Progress: progress, Cancellation: ct, OnEpoch: m => progress.Epoch(m, training.Epochs)) { OnNotice = log }));
        using var testSet = EvaluationSet.For(test.Images, training.Binarization);
        using var trainSet = EvaluationSet.For(train.Images, training.Binarization, EvaluationSet.BinarizationSeed + 1);
        var testMetrics = testSet.Score(vae);
        var trainMetrics = trainSet.Score(vae);
        return new SeedResult(training.Seed, testMetrics, trainMetrics, history.Epochs, watch.Elapsed.TotalSeconds, info);
    }

    /// <summary>Whether a run checkpoint is the one behind a seed's recorded result: same model, same protocol, same epochs, same final history.</summary>
    static bool MatchesResult(CheckpointState state, ModelConfig model, SeedResult result) =>
        state.Model.Equals(model) && state.Training.Seed == result.Seed && state.Epoch == result.History.Count &&
        state.History.Count == result.History.Count && state.History[^1].Train == result.History[^1].Train;

    /// <summary>
    /// Where a seed's resumable run lives: <c>&lt;runs&gt;/&lt;entry&gt;/&lt;config key&gt;/seed-N</c>. The key hashes the model and
    /// training configs (epochs included), so a run is only ever continued by the same configuration, and runs of
    /// different configurations (another --epochs, a changed entry) never meet.
    /// </summary>
    static string SeedCheckpoint(ReproduceOptions o, Entry entry, ModelConfig model, int epochs, long seed) =>
        Path.Combine(o.RunsDir, entry.Name, ConfigKey(model, entry.Training with { Epochs = epochs }), $"seed-{seed}");

    /// <summary>
    /// The first 12 hex digits of the SHA-256 of the configs' JSON (seed left out). The protocol is hashed in the shape it
    /// had when it still held its placement (reproduce's: device "auto", evalEvery 1, no checkpoint folder, after "seed"),
    /// so runs started before the split keep their folders and resume.
    /// </summary>
    internal static string ConfigKey(ModelConfig model, TrainingConfig training)
    {
        var protocol = System.Text.Json.Nodes.JsonNode.Parse(ConfigJson.Serialize(training with { Seed = 0 }))!.AsObject();
        var legacy = new System.Text.Json.Nodes.JsonObject();
        foreach (var (key, value) in protocol)
        {
            legacy[key] = value?.DeepClone();
            if (key != "seed") continue;
            legacy["device"] = "auto";
            legacy["evalEvery"] = 1;
            legacy["checkpointDir"] = null;
        }
        string json = ConfigJson.Serialize(model) + "\n" + legacy.ToJsonString(ConfigJson.Options);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)))[..12].ToLowerInvariant();
    }

    /// <summary>Copies weights and trainer.json (not the optimizer state) into the results folder, atomically.</summary>
    static void CopyWeights(string from, string to)
    {
        string temp = to + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, true);
        Directory.CreateDirectory(temp);
        foreach (string name in new[] { "model.safetensors", "trainer.json" }) File.Copy(Path.Combine(from, name), Path.Combine(temp, name));
        if (Directory.Exists(to)) Directory.Delete(to, true);
        Directory.Move(temp, to);
    }
}
