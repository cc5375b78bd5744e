namespace Vae.Core.Config;

/// <summary>Optimiser family.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (Kingma and Ba, 2014): the seed's choice.</summary>
    Adam,
    /// <summary>Adagrad (Duchi et al., 2011): the paper's choice.</summary>
    Adagrad,
}

/// <summary>How the step size changes over a run.</summary>
public enum LearningRateSchedule
{
    /// <summary>The step size stays at <see cref="TrainingConfig.LearningRate"/> (the seed's protocol).</summary>
    Constant,
    /// <summary>Cosine annealing (Loshchilov and Hutter, 2017) per step, from the learning rate at the first step to 0 after the last.</summary>
    Cosine,
}

/// <summary>How training images are presented to a Bernoulli model.</summary>
public enum Binarization
{
    /// <summary>Grayscale intensities in [0, 1] are the targets (the seed's protocol).</summary>
    None,
    /// <summary>Each training batch is re-sampled as x ~ Bernoulli(intensity) every time it is seen (Burda et al. 2015).</summary>
    Dynamic,
}

/// <summary>
/// The training protocol: what the experiment is (data, optimizer, schedule, batch, epochs, seed, binarisation, weight
/// average), saved with every checkpoint and compared on resume. Where it runs is a <see cref="Placement"/>.
/// Defaults: Adam, learning rate 1e-3, betas (0.9, 0.999), batch 128, seed 1.
/// Immutable; build variants with <c>with</c> and check them with <see cref="ConfigValidator.Validate(TrainingConfig)"/>.
/// </summary>
public sealed record TrainingConfig
{
    /// <summary>Name of the dataset trained on (mnist, fashion-mnist, svhn); the trainer takes tensors, this records what they were.</summary>
    public string Dataset { get; init; } = "mnist";

    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Stop once this many training examples have been evaluated (mid-epoch if need be); null trains all epochs.</summary>
    public long? ExampleBudget { get; init; }

    /// <summary>Examples per optimisation step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Optimiser family.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Step size.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>How the step size changes over the run's steps (all epochs, or the example budget when that ends first).</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>
    /// Optimisation steps over which the step size rises linearly from lr/WarmupSteps to lr before the schedule starts
    /// (Goyal et al., 2017); 0 (the default) starts at lr. The cosine decay spans the steps after the warm-up.
    /// </summary>
    public int WarmupSteps { get; init; }

    /// <summary>
    /// Epochs over which the KL term's weight in the training objective rises linearly from 1/(steps) to 1, per step
    /// (Bowman et al., 2016), against posterior collapse early in training; 0 (the default) trains the plain negative ELBO
    /// throughout. Reported losses are always the plain negative ELBO.
    /// </summary>
    public int KlWarmupEpochs { get; init; }

    /// <summary>Adam β₁.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam β₂.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>L2 weight decay (the paper's N(0, I) prior on parameters corresponds to a small value).</summary>
    public double WeightDecay { get; init; }

    /// <summary>
    /// Decay d in [0, 1) of an exponential moving average of the weights (Polyak and Juditsky, 1992), updated after every
    /// step as a ← d·a + (1 − d)·w from a = the initial weights; 0 (the default) keeps none. With d &gt; 0 the average is what
    /// is evaluated after each epoch and what the checkpoint's model.safetensors holds (the training weights are kept
    /// beside the optimizer state, in training.safetensors, for resuming), and <see cref="Training.Trainer.Fit"/> leaves
    /// it in the model. 0.999 averages over about the last 1,000 steps.
    /// </summary>
    public double EmaDecay { get; init; }

    /// <summary>Seed of the generator behind initialisation, shuffling, noise and binarisation.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Training-image binarisation.</summary>
    public Binarization Binarization { get; init; } = Binarization.None;
}
