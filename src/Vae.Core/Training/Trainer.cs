using System.Diagnostics;
using TorchSharp;
using Vae.Core.Checkpoints;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Losses;
using Vae.Core.Metrics;
using Vae.Core.Models;
using Vae.Core.Runtime;
using Vae.Core.Batching;
using static TorchSharp.torch;
using Vae.Core.Randomness;

namespace Vae.Core.Training;

/// <summary>Images to train on and, optionally, to evaluate on after epochs.</summary>
/// <param name="Train">[N, C, H, W] in [0, 1], on the model's device.</param>
/// <param name="Test">[M, C, H, W] in [0, 1] or null; scored after epochs by the evaluation rule (<see cref="Evaluation.EvaluationSet"/>: binarised once, with a fixed seed, under <see cref="Config.Binarization.Dynamic"/>).</param>
/// <remarks>The dataset package makes one from loaded datasets: <c>train.ToTrainingData(test)</c>.</remarks>
public sealed record TrainingData(Tensor Train, Tensor? Test);

/// <summary>Run-time options that are not part of the experiment's definition (that is the <see cref="TrainingConfig"/>).</summary>
/// <param name="Resume">Continue from the checkpoint in <see cref="Placement.CheckpointDir"/> when one exists. A damaged
/// checkpoint there is refused with or without Resume (<see cref="CheckpointStatus"/>).</param>
/// <param name="Progress">Receives a report after each step.</param>
/// <param name="Cancellation">Stops between steps; the last checkpoint stays valid.</param>
/// <param name="OnEpoch">Called after each epoch (after its checkpoint is written).</param>
/// <param name="OnStep">Called after each step with the number of training examples evaluated so far in the run;
/// it may evaluate the model (the trainer restores train mode afterwards).</param>
public sealed record TrainingOptions(bool Resume = false, IProgress<TrainingProgress>? Progress = null,
    CancellationToken Cancellation = default, Action<EpochMetrics>? OnEpoch = null, Action<long>? OnStep = null)
{
    /// <summary>Where the run is carried out: the device the data must be on, the checkpoint folder, how often the test set is scored.</summary>
    public Placement Placement { get; init; } = new();

    /// <summary>Receives one-line notices that are not errors, e.g. a resumed optimizer.pt whose settings differ from the config.</summary>
    public Action<string>? OnNotice { get; init; }

    /// <summary>
    /// With <see cref="Resume"/>: continue from a checkpoint without optimizer.pt (for example one committed without optimizer
    /// state) with a fresh optimizer, reported through <see cref="OnNotice"/>; without it such a checkpoint is refused.
    /// </summary>
    public bool FreshOptimizer { get; init; }

    /// <summary>Set by <see cref="TrainingRun"/> when its own lock is on the checkpoint folder itself, which Fit then does not claim again.</summary>
    internal bool CheckpointLocked { get; init; }

    /// <summary>Test seam: sees each step's batch and optimizer just before the step (the batch is disposed after it).</summary>
    internal Action<StepTrace>? Trace { get; init; }
}

/// <summary>What a step is about to do: its epoch (1-based), its batch [B, C, H, W] and the optimizer with the step's settings.</summary>
internal sealed record StepTrace(int Epoch, long GlobalStep, Tensor Batch, optim.Optimizer Optimizer);

/// <summary>
/// Mini-batch training of a VAE: per step, one dispose scope, the per-example negative ELBO averaged
/// over the batch, one optimizer step. Shuffling, reparameterisation noise and binarisation draw from
/// one generator seeded with <see cref="TrainingConfig.Seed"/> + <see cref="NoiseSeedOffset"/>, so a run is
/// deterministic on CPU and a resumed run continues exactly where the interrupted one stopped. With
/// <see cref="TrainingConfig.EmaDecay"/> &gt; 0 an average of the weights is updated after every step and evaluated.
/// </summary>
public static class Trainer
{
    /// <summary>Offset between the initialisation seed and the training-noise seed, so the two streams differ.</summary>
    public const long NoiseSeedOffset = 1_000_003;

    /// <summary>Creates the model for a run, its weights drawn from a generator seeded with <paramref name="seed"/>.</summary>
    public static VariationalAutoencoder CreateModel(ModelConfig config, long seed, Device device)
    {
        using var generator = new Generator((ulong)seed);
        var model = new VariationalAutoencoder(config, generator);
        model.to(device);
        return model;
    }

    /// <summary>The optimizer named by the config, over the model's parameters.</summary>
    public static optim.Optimizer CreateOptimizer(VariationalAutoencoder model, TrainingConfig config) => config.Optimizer switch
    {
        OptimizerKind.Adagrad => torch.optim.Adagrad(model.parameters(), config.LearningRate, weight_decay: config.WeightDecay),
        _ => torch.optim.Adam(model.parameters(), config.LearningRate, config.Beta1, config.Beta2, weight_decay: config.WeightDecay),
    };

    /// <summary>
    /// One optimisation step on the batch <paramref name="x"/> [B, C, H, W]: forward pass with noise from
    /// <paramref name="generator"/>, the objective mean over the batch of (reconstruction + <paramref name="klWeight"/> · KL)
    /// (the per-example negative ELBO when the weight is 1), backward, optimizer step. Returns the batch's summed
    /// negative-ELBO terms (weight 1) as doubles (one host sync); the caller owns the dispose scope.
    /// </summary>
    public static BatchSums TrainStep(VariationalAutoencoder model, optim.Optimizer optimizer, Tensor x, Generator generator, double klWeight = 1)
    {
        var terms = Step.Terms(model, x, generator);   // [B] each
        optimizer.zero_grad();
        var objective = klWeight == 1 ? terms.Total : terms.Reconstruction + klWeight * terms.Kl; // [B]
        objective.mean().backward();
        optimizer.step();
        using var sums = torch.stack([terms.Total.sum(), terms.Reconstruction.sum(), terms.Kl.sum()]).to(torch.CPU); // [3]
        var values = sums.data<float>().ToArray();
        return new BatchSums(values[0], values[1], values[2]);
    }

    /// <summary>
    /// The KL weight of 0-based step <paramref name="step"/> with <paramref name="stepsPerEpoch"/> steps an epoch:
    /// min(1, (step + 1) / (KlWarmupEpochs · stepsPerEpoch)), or 1 without KL warm-up.
    /// </summary>
    public static double KlWeightAt(TrainingConfig config, long step, long stepsPerEpoch) =>
        config.KlWarmupEpochs == 0 ? 1 : Math.Min(1.0, (step + 1) / (double)(config.KlWarmupEpochs * Math.Max(stepsPerEpoch, 1)));

    /// <summary>
    /// The step size of 0-based step <paramref name="step"/> of <paramref name="totalSteps"/>. With W =
    /// <see cref="TrainingConfig.WarmupSteps"/>, steps s &lt; W take lr · (s + 1) / W; after that the step size is
    /// constant, or lr · ½ (1 + cos(π · (s − W) / (totalSteps − W))) for <see cref="LearningRateSchedule.Cosine"/>.
    /// </summary>
    public static double LearningRateAt(TrainingConfig config, long step, long totalSteps)
    {
        long warmup = config.WarmupSteps;
        if (step < warmup) return config.LearningRate * (step + 1) / warmup;
        return config.Schedule switch
        {
            LearningRateSchedule.Cosine => config.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step - warmup, totalSteps - warmup) / Math.Max(totalSteps - warmup, 1))),
            _ => config.LearningRate,
        };
    }

    /// <summary>
    /// Optimisation steps in a run over <paramref name="trainCount"/> examples: all epochs, or fewer when
    /// <see cref="TrainingConfig.ExampleBudget"/> ends the run first (the schedule spans exactly these).
    /// </summary>
    public static long TotalSteps(TrainingConfig config, long trainCount)
    {
        long perEpoch = (trainCount + config.BatchSize - 1) / config.BatchSize;
        long all = config.Epochs * perEpoch;
        if (config.ExampleBudget is not long budget) return all;
        // The budget is checked after each step, so the last step may overshoot it; a budget that ends mid-epoch
        // counts the full epochs before it plus the steps of the partial one.
        long fullEpochs = budget / trainCount, rest = budget % trainCount;
        return Math.Min(all, fullEpochs * perEpoch + (rest + config.BatchSize - 1) / config.BatchSize);
    }

    static void SetLearningRate(optim.Optimizer optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }

    /// <summary>
    /// Trains <paramref name="model"/> for <see cref="TrainingConfig.Epochs"/> epochs and returns the full history. Training runs
    /// where the data is; <see cref="Placement.Device"/> "cpu" or "cuda" must match it ("auto" accepts either). With
    /// <see cref="TrainingConfig.EmaDecay"/> &gt; 0 the model holds the average of the weights when Fit returns (the weights
    /// to evaluate; an interrupted Fit leaves the training weights), and <see cref="TrainingOptions.OnStep"/> sees the
    /// training weights.
    /// </summary>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the last checkpoint is intact.</exception>
    public static TrainingHistory Fit(VariationalAutoencoder model, TrainingConfig config, TrainingData data, TrainingOptions? options = null)
    {
        ConfigValidator.Validate(config);
        options ??= new TrainingOptions();
        var placement = ConfigValidator.Validate(options.Placement);
        var device = data.Train.device;
        if ((placement.Device == "cpu" && device.type != DeviceType.CPU) || (placement.Device == "cuda" && device.type != DeviceType.CUDA))
            throw new ArgumentException($"Device is '{placement.Device}' but the training images are on {device}; move them with .to(Devices.Resolve(\"{placement.Device}\")) or set Device = \"auto\" (train where the data is)", nameof(placement.Device));
        using var claim = placement.CheckpointDir is string claimed && !options.CheckpointLocked ? RunLock.Acquire(claimed) : null; // one writer per checkpoint
        using var optimizer = CreateOptimizer(model, config);
        using var generator = Devices.Generator(config.Seed + NoiseSeedOffset, device);
        using var average = config.EmaDecay > 0 ? new WeightAverage(model, config.EmaDecay) : null;
        var history = new List<EpochMetrics>();
        var status = placement.CheckpointDir is string examined ? CheckpointStatus.Of(examined) : null;
        if (status?.Condition == CheckpointCondition.Damaged) throw status.Error(); // with or without Resume: never trained over
        if (options.Resume && status is { IsComplete: true })
        {
            var state = Checkpoint.Restore(status, model, optimizer, generator, options.OnNotice, average, options.FreshOptimizer, config);
            history.AddRange(state.History);
        }
        using var testSet = data.Test is null ? null : EvaluationSet.For(data.Test, config.Binarization); // the images evaluate scores too
        var batchOptions = new BatchOptions(config.BatchSize, Shuffle: true, DropLast: false);
        long n = data.Train.shape[0];
        int steps = (int)((n + config.BatchSize - 1) / config.BatchSize);
        long seen = history.LastOrDefault()?.ExamplesSeen ?? 0;

        long budget = config.ExampleBudget ?? long.MaxValue;
        long totalSteps = TotalSteps(config, n);
        for (int epoch = history.Count + 1; epoch <= config.Epochs && seen < budget; epoch++)
        {
            model.train();
            var watch = Stopwatch.StartNew();
            double total = 0, recon = 0, kl = 0;
            long done = 0;
            int step = 0;
            foreach (var index in BatchIterator.Indices(n, batchOptions, generator))
            {
                options.Cancellation.ThrowIfCancellationRequested();
                using var batchIndex = index; // made by the iterator, outside this step's scope
                using var scope = torch.NewDisposeScope();
                step++;
                long globalStep = (long)(epoch - 1) * steps + step - 1;
                if (config.Schedule != LearningRateSchedule.Constant || config.WarmupSteps > 0)
                    SetLearningRate(optimizer, LearningRateAt(config, globalStep, totalSteps));
                var x = data.Train.index_select(0, index.to(device));                 // [B, C, H, W]; the indices go where the data is
                if (config.Binarization == Binarization.Dynamic) x = Noise.Bernoulli(x, generator); // {0, 1} [B, C, H, W]
                options.Trace?.Invoke(new StepTrace(epoch, globalStep, x, optimizer));
                var sums = TrainStep(model, optimizer, x, generator, KlWeightAt(config, globalStep, steps));
                if (!double.IsFinite(sums.Total)) throw new TrainingDivergedException(epoch, step, sums.Total, placement.CheckpointDir is not null);
                average?.Update(model);
                total += sums.Total;
                recon += sums.Reconstruction;
                kl += sums.Kl;
                done += x.shape[0];
                options.Progress?.Report(new TrainingProgress(epoch, config.Epochs, step, steps, total / done, done / watch.Elapsed.TotalSeconds));
                if (options.OnStep is not null)
                {
                    options.OnStep(seen + done);
                    model.train();
                }
                if (seen + done >= budget) break;
            }
            double seconds = watch.Elapsed.TotalSeconds;
            seen += done;
            LossSummary? test = null, testTrainingWeights = null;
            bool last = epoch == config.Epochs || seen >= budget;
            if (testSet is not null && (epoch % placement.EvalEvery == 0 || last))
            {
                test = testSet.Score(model);
                if (average is not null)
                {
                    testTrainingWeights = test;
                    test = average.Applied(model, () => testSet.Score(model));
                }
            }
            var metrics = new EpochMetrics(epoch, new LossSummary(total / done, recon / done, kl / done), test, seconds, done / seconds, seen)
                { TestTrainingWeights = testTrainingWeights };
            history.Add(metrics);
            if (placement.CheckpointDir is string dir) SaveProtocol.Save(dir, model, optimizer, generator, config, history, null, average);
            options.OnEpoch?.Invoke(metrics);
        }
        average?.Swap(model); // leave the weights to evaluate in the model
        return new TrainingHistory(history);
    }
}
