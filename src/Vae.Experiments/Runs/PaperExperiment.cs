using System.Diagnostics;
using System.Text.Json;
using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Training;
using Vae.Data;
using Vae.Data.Acquisition;
using Vae.Experiments.Figures;
using static TorchSharp.torch;
using Vae.Core.Metrics;
using Vae.Core.Runtime;
using Vae.Experiments.Terminal;
using Vae.Core.Files;

namespace Vae.Experiments.Runs;

/// <summary>One model family of the Fig. 2 rerun.</summary>
/// <param name="Name">Folder prefix, e.g. paper-mlp.</param>
/// <param name="Label">Legend text.</param>
/// <param name="Model">The model for a latent size.</param>
/// <param name="Training">The protocol (its learning rate is replaced by the selected one when <paramref name="SelectStep"/>).</param>
/// <param name="SelectStep">Choose the Adagrad step size from <see cref="PaperExperiment.AdagradSteps"/> by early training loss (paper §5).</param>
internal sealed record PaperModel(string Name, string Label, Func<int, ModelConfig> Model, TrainingConfig Training, bool SelectStep);

/// <summary>A point of a lower-bound curve: examples evaluated so far and the average lower bound per datapoint.</summary>
/// <param name="Examples">Training examples evaluated.</param>
/// <param name="Train">Lower bound (−negative ELBO) on the fixed training subset.</param>
/// <param name="Test">Lower bound on the test set.</param>
internal sealed record CurvePoint(long Examples, double Train, double Test);

/// <summary>
/// A paper run in progress, beside its checkpoint in the runs folder and written after each epoch's checkpoint: the chosen
/// step size, the selection scores and the curve so far, so that a stopped run resumes where it stopped.
/// </summary>
internal sealed record PaperProgress(int Epoch, double LearningRate, Dictionary<string, double> Scores, List<CurvePoint> Curve);

/// <summary>metrics.json of one run of the paper comparison.</summary>
internal sealed record PaperRunMetrics(string Run, string Model, int LatentDim, long ParameterCount, double LearningRate,
    IReadOnlyDictionary<string, double> StepSelection, long Budget, IReadOnlyList<CurvePoint> Curve, double FinalTestLowerBound,
    double FinalTrainLowerBound, ModelConfig Config, TrainingConfig Training, bool Quick, int TrainExamples, int TrainEvalExamples,
    int TestExamples, string Commit, double WallSeconds, string Device, int Threads);

/// <summary>
/// Kingma and Welling (2013), Fig. 2, rerun: for each latent size, the paper's MLP (500 tanh units, N(0, 0.01)
/// initialisation, Adagrad with the step size chosen from {0.01, 0.02, 0.1}, minibatch 100, L = 1, weight decay
/// 1/N for the N(0, I) prior on parameters), the same MLP with Adam and batch 128, and our CNN, all for the same
/// budget of training examples, with the average lower bound on a fixed training subset and the test set
/// recorded at log-spaced points of that budget. Intensities in [0, 1] are the Bernoulli targets, as elsewhere.
/// </summary>
internal static class PaperExperiment
{
    public static readonly int[] Latents = [3, 5, 10, 20, 200];
    public static readonly double[] AdagradSteps = [0.01, 0.02, 0.1];

    /// <summary>
    /// Training examples evaluated per run (about 17 epochs of MNIST; every model of the comparison gets the same budget).
    /// The paper's x-axis runs from 10^5 to 10^8; 10^6 is what 2 CPU cores allow for 15 runs (about 30 minutes).
    /// </summary>
    public const long Budget = 1_000_000;

    /// <summary>Examples used to choose the Adagrad step size ("the first iterations").</summary>
    public const long SelectionBudget = 100_000;

    const int Points = 12, TrainEval = 10_000;

    public static IReadOnlyList<PaperModel> Models { get; } =
    [
        new("paper-mlp", "paper MLP (Adagrad, batch 100)", ModelConfig.PaperMlp,
            new TrainingConfig { Dataset = "mnist", Optimizer = OptimizerKind.Adagrad, BatchSize = 100, WeightDecay = 1.0 / 60000, Epochs = 100_000 }, true),
        new("mlp-adam", "MLP (Adam, batch 128)", ModelConfig.PaperMlp, Entries.Protocol("mnist") with { Epochs = 100_000 }, false),
        new("conv", "our CNN (Adam, batch 128)", Entries.Conv28, Entries.Protocol("mnist") with { Epochs = 100_000 }, false),
    ];

    public static void Run(ReproduceOptions o, Action<string> log, CancellationToken ct)
    {
        var device = Core.Runtime.Devices.Resolve(o.Device);
        var (train, test) = Reproducer.LoadSplits("mnist", o, device, log);
        using var trainOwned = train;
        using var testOwned = test;
        using var trainEval = train.Images.narrow(0, 0, Math.Min(o.Quick ? 500 : TrainEval, train.Count));
        // --quick checks the path: one pass over the quick subset, half of it to choose Adagrad's step size, 4 evaluation points.
        long budget = o.Quick ? Reproducer.QuickTrain : Budget;
        long selection = o.Quick ? Reproducer.QuickTrain / 2 : SelectionBudget;
        var points = LogPoints(budget / 300, budget, o.Quick ? 4 : Points);
        string root = Path.Combine(o.ResultsDir, "paper");
        var all = new List<PaperRunMetrics>();
        foreach (int latent in Latents)
            foreach (var family in Models)
            {
                ct.ThrowIfCancellationRequested();
                string name = $"{family.Name}-z{latent}";
                string file = Path.Combine(root, name, "metrics.json");
                if (!o.Force && File.Exists(file))
                {
                    log($"paper: {name} already done ({file}); pass --force to retrain");
                    all.Add(JsonSerializer.Deserialize<PaperRunMetrics>(File.ReadAllText(file), ConfigJson.Options)!);
                    continue;
                }
                var metrics = RunOne(name, family, latent, budget, selection, points, train, test.Images, trainEval, device, o.Quick, log, ct,
                    runDir: Path.Combine(o.RunsDir, "paper", name));
                AtomicFile.WriteText(file, ConfigJson.Serialize(metrics));
                all.Add(metrics);
            }
        DrawFigure(all, Path.Combine(root, "lower-bound.png"));
        log($"paper: wrote {root}");
    }

    /// <summary>
    /// Trains one model of <paramref name="family"/> for <paramref name="budget"/> training examples (after choosing the
    /// Adagrad step size if the family asks for it) and records the lower bound on <paramref name="trainEval"/> and
    /// <paramref name="test"/> [M, C, H, W] at <paramref name="points"/>. The trained model and its protocol are handed to <paramref name="trained"/> before the model is disposed.
    /// </summary>
    public static PaperRunMetrics RunOne(string name, PaperModel family, int latent, long budget, long selection, IReadOnlyList<long> points,
        ImageDataset train, Tensor test, Tensor trainEval, Device device, bool quick, Action<string> log, CancellationToken ct,
        Action<Core.Models.VariationalAutoencoder, TrainingConfig>? trained = null, string? runDir = null, Action<int>? afterEpochSaved = null)
    {
        var watch = Stopwatch.StartNew();
        var config = ConfigValidator.Validate(family.Model(latent));
        var scores = new Dictionary<string, double>();
        double lr = family.Training.LearningRate;
        // Resume: a checkpoint in runDir with the progress file of the same epoch (a crash between the two restarts the run).
        string? checkpointDir = runDir is null ? null : Path.Combine(runDir, "checkpoint");
        string? progressFile = runDir is null ? null : Path.Combine(runDir, "progress.json");
        PaperProgress? resumed = null;
        if (checkpointDir is not null && progressFile is not null && Checkpoint.Exists(checkpointDir) && File.Exists(progressFile))
        {
            var saved = JsonSerializer.Deserialize<PaperProgress>(File.ReadAllText(progressFile), ConfigJson.Options)!;
            if (saved.Epoch == Checkpoint.ReadState(checkpointDir).Epoch) resumed = saved;
        }
        if (resumed is null && runDir is not null && Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        if (resumed is not null)
        {
            (lr, scores) = (resumed.LearningRate, resumed.Scores);
            log($"paper: {name}: resuming from epoch {resumed.Epoch} ({resumed.Curve.Count} curve points, step size {lr}) in {runDir}");
        }
        else if (family.SelectStep)
        {
            foreach (double step in AdagradSteps)
            {
                using var probe = Trainer.CreateModel(config, 1, device);
                string key = step.ToString("G", System.Globalization.CultureInfo.InvariantCulture);
                try
                {
                    var h = Trainer.Fit(probe, family.Training with { LearningRate = step, ExampleBudget = selection }, new TrainingData(train.Images, null),
                        new TrainingOptions(Cancellation: ct));
                    scores[key] = h.Epochs[^1].Train.Total;
                }
                catch (TrainingDivergedException)
                {
                    scores[key] = double.PositiveInfinity; // a step size that diverges loses the selection
                }
            }
            lr = AdagradSteps.MinBy(s => scores[s.ToString("G", System.Globalization.CultureInfo.InvariantCulture)]);
            log($"paper: {name}: Adagrad step sizes by training loss after {selection} examples: {string.Join(", ", scores.Select(kv => $"{kv.Key} → {kv.Value:F2}"))}; chose {lr}");
        }
        var training = ConfigValidator.Validate(family.Training with { LearningRate = lr, ExampleBudget = budget, Seed = 1 });
        using var model = Trainer.CreateModel(config, 1, device);
        var curve = resumed?.Curve ?? [];
        int next = curve.Count;
        void Record(long seen)
        {
            while (next < points.Count && seen >= points[next])
            {
                curve.Add(new CurvePoint(seen, -Evaluator.Evaluate(model, trainEval, Evaluator.DefaultBatchSize).Total, -Evaluator.Evaluate(model, test, Evaluator.DefaultBatchSize).Total));
                next++;
            }
        }
        log($"paper: {name}: {model.ParameterCount:N0} parameters, lr {lr}, budget {budget:N0} examples");
        void Saved(EpochMetrics epoch)
        {
            if (progressFile is not null) AtomicFile.WriteText(progressFile, ConfigJson.Serialize(new PaperProgress(epoch.Epoch, lr, scores, curve)));
            afterEpochSaved?.Invoke(epoch.Epoch); // a test seam: a stop here is a Ctrl-C after the epoch's checkpoint
        }
        ConsoleProgress.Run($"paper {name}", p => Trainer.Fit(model, training with { Epochs = (int)Math.Min(100_000, budget / train.Count + 1) },
            new TrainingData(train.Images, null), new TrainingOptions(Resume: resumed is not null, Progress: p, Cancellation: ct, OnStep: Record, OnEpoch: Saved)
            { OnNotice = log, Placement = new Placement { CheckpointDir = checkpointDir } }));
        trained?.Invoke(model, training);
        var run = RunInfo.Capture(device);
        return new PaperRunMetrics(name, family.Label, latent, model.ParameterCount, lr, scores, budget, curve, curve[^1].Test, curve[^1].Train,
            config, training, quick, train.Count, (int)trainEval.shape[0], (int)test.shape[0], run.Commit, watch.Elapsed.TotalSeconds, run.Device, run.Threads);
    }

    /// <summary><paramref name="count"/> points from <paramref name="first"/> to <paramref name="last"/>, evenly spaced in log10.</summary>
    public static IReadOnlyList<long> LogPoints(long first, long last, int count) =>
        Enumerable.Range(0, count).Select(i => (long)Math.Round(Math.Pow(10, Math.Log10(first) + i * (Math.Log10(last) - Math.Log10(first)) / (count - 1)))).Distinct().ToList();

    static void DrawFigure(IReadOnlyList<PaperRunMetrics> runs, string path)
    {
        var panels = new List<string>();
        foreach (int latent in Latents)
        {
            var series = new List<Series>();
            int color = 0;
            foreach (var family in Models)
            {
                var r = runs.FirstOrDefault(m => m.Run == $"{family.Name}-z{latent}");
                if (r is not null)
                {
                    series.Add(new Series($"{family.Label}, train", r.Curve.Select(c => (double)c.Examples).ToArray(), r.Curve.Select(c => c.Train).ToArray(), true, color));
                    series.Add(new Series($"{family.Label}, test", r.Curve.Select(c => (double)c.Examples).ToArray(), r.Curve.Select(c => c.Test).ToArray(), false, color));
                }
                color++;
            }
            if (series.Count == 0) continue;
            string panel = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $"lower-bound-z{latent}.png");
            Charts.Lines(panel, $"MNIST, latent {latent}", "training examples evaluated", "average lower bound per datapoint (nats)", series, logX: true, width: 700, height: 480, legend: ScottPlot.Alignment.LowerRight);
            panels.Add(panel);
        }
        ImageGrid.Tile(panels, 3, path);
    }
}
