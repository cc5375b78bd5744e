namespace Vae.FSharp

open Vae.Core.Config

/// Encoder/decoder family (Vae.Core.Config.Architecture).
type Architecture =
    /// Strided convolutions and one hidden layer, mirrored by transposed convolutions.
    | Conv
    /// One tanh hidden layer in encoder and decoder (Kingma and Welling 2013, App. C).
    | Mlp

/// Observation model p(x | z) (Vae.Core.Config.Likelihood).
type Likelihood =
    /// Independent Bernoulli per pixel on intensities in [0, 1].
    | Bernoulli
    /// Independent Gaussian per pixel with a fixed standard deviation.
    | Gaussian of std: float
    /// Independent Gaussian per pixel with a learned log-variance per pixel.
    | GaussianLearnedVariance

/// The optimiser, with its own settings.
type Optimizer =
    /// Adam (Kingma and Ba, 2014) with its two decay rates.
    | Adam of beta1: float * beta2: float
    /// Adagrad (Duchi et al., 2011): the paper's choice.
    | Adagrad

/// How the step size changes over a run.
type Schedule =
    /// The step size stays at the learning rate.
    | Constant
    /// Cosine annealing per step, to 0 after the last step.
    | Cosine

/// How training images are presented to a Bernoulli model.
type Binarization =
    /// Grayscale intensities in [0, 1] are the targets.
    | Grayscale
    /// Each training batch is re-sampled as x ~ Bernoulli(intensity) every time it is seen.
    | Dynamic

/// Where tensors live.
type Device =
    /// CUDA when available, else the CPU.
    | Auto
    /// The CPU.
    | Cpu
    /// The first CUDA device.
    | Cuda

/// The model (Vae.Core.Config.ModelConfig as an F# record: copy-and-update, structural equality and comparison).
type ModelConfig =
    { /// Input channels (1 for MNIST, 3 for SVHN).
      Channels: int
      /// Input height in pixels.
      Height: int
      /// Input width in pixels.
      Width: int
      /// Latent dimension D.
      LatentDim: int
      /// Encoder/decoder family.
      Architecture: Architecture
      /// Output channels of each stride-2 convolution (Conv only).
      ConvChannels: int list
      /// Extra 3×3 convolutions per resolution level (Conv only).
      ExtraConvsPerLevel: int
      /// Units of the fully connected hidden layer.
      HiddenDim: int
      /// Dropout rate on the decoder's hidden layer while training, in [0, 1) (0: none).
      DecoderDropout: float
      /// Observation model.
      Likelihood: Likelihood
      /// Standard deviation of the MLP's N(0, σ²) weight initialisation.
      MlpInitStd: float }

/// Training settings (Vae.Core.Config.TrainingConfig as an F# record).
type TrainingConfig =
    { /// Dataset name recorded with the run, e.g. "mnist".
      Dataset: string
      /// Passes over the training set.
      Epochs: int
      /// Stop after this many training examples, when set.
      ExampleBudget: int64 option
      /// Examples per step.
      BatchSize: int
      /// The optimiser and its settings.
      Optimizer: Optimizer
      /// Peak step size.
      LearningRate: float
      /// Step-size schedule.
      Schedule: Schedule
      /// Linear step-size warm-up over this many steps.
      WarmupSteps: int
      /// Linear KL weight warm-up over this many epochs.
      KlWarmupEpochs: int
      /// L2 weight decay.
      WeightDecay: float
      /// Decay of the exponential moving average of the weights that is evaluated, in [0, 1) (0: none).
      EmaDecay: float
      /// Seed of initialisation, shuffling and noise.
      Seed: int64
      /// Training-image binarisation.
      Binarization: Binarization }

/// Where a run is carried out, apart from what it is (Vae.Core.Config.Placement): never saved with a checkpoint.
type Placement =
    { /// Where training runs; must match the data (Auto: where the data is).
      Device: Device
      /// Folder for the checkpoint written after every epoch.
      CheckpointDir: string option
      /// Score the test split every this many epochs (the last is always scored).
      EvalEvery: int }

/// Which part of a dataset: Split.Train or Split.Test (Vae.Data.Split, here so that one open Vae.FSharp is enough).
type Split = Vae.Data.Split

/// Where data comes from (Vae.Data.Acquisition.DataOptions).
type DataOptions =
    { /// Data folder; None: VAE_DATA_DIR, else the per-user cache.
      DataDir: string option
      /// Try the canonical HTTP mirrors.
      AllowDownload: bool
      /// Also run npm or apt-get as a last resort (off unless you ask).
      AllowPackageManagers: bool }

/// What can go wrong with user input, as one line each.
type VaeError =
    /// A config value or an argument is out of range or unknown (a dataset name no loader knows, say).
    | InvalidConfig of message: string
    /// A dataset is missing, corrupt or cannot be fetched.
    | DataError of kind: Vae.Data.DatasetErrorKind * message: string
    /// A checkpoint is missing, corrupt, made for another model, or cannot be written.
    | CheckpointError of message: string
    /// The loss became NaN or infinite.
    | Diverged of message: string
    /// The operation was cancelled.
    | Cancelled

    /// The one-line message.
    member this.Message =
        match this with
        | InvalidConfig m | DataError(_, m) | CheckpointError m | Diverged m -> m
        | Cancelled -> "cancelled"

module internal Validation =
    /// Ok value when the core's check passes; its ArgumentException as InvalidConfig otherwise.
    let check (coreCheck: unit -> unit) value =
        try
            coreCheck ()
            Ok value
        with :? System.ArgumentException as e -> Error(InvalidConfig e.Message)

/// Conversions between the F# records and the C# core's records (no defaults restated: they come from the core).
module ModelConfig =
    /// The core's record as F#.
    let ofCore (c: Vae.Core.Config.ModelConfig) : ModelConfig =
        { Channels = c.Channels
          Height = c.Height
          Width = c.Width
          LatentDim = c.LatentDim
          Architecture = (match c.Architecture with Vae.Core.Config.Architecture.Mlp -> Mlp | _ -> Conv)
          ConvChannels = List.ofSeq c.ConvChannels
          ExtraConvsPerLevel = c.ExtraConvsPerLevel
          HiddenDim = c.HiddenDim
          DecoderDropout = c.DecoderDropout
          Likelihood =
            (match c.Likelihood with
             | Vae.Core.Config.Likelihood.Gaussian -> Gaussian c.GaussianStd
             | Vae.Core.Config.Likelihood.GaussianLearnedVariance -> GaussianLearnedVariance
             | _ -> Bernoulli)
          MlpInitStd = c.MlpInitStd }

    /// The F# record as the core's.
    let toCore (c: ModelConfig) : Vae.Core.Config.ModelConfig =
        let baseline = Vae.Core.Config.ModelConfig()
        Vae.Core.Config.ModelConfig(
            Channels = c.Channels,
            Height = c.Height,
            Width = c.Width,
            LatentDim = c.LatentDim,
            Architecture = (match c.Architecture with Mlp -> Vae.Core.Config.Architecture.Mlp | Conv -> Vae.Core.Config.Architecture.Conv),
            ConvChannels = Array.ofList c.ConvChannels,
            ExtraConvsPerLevel = c.ExtraConvsPerLevel,
            HiddenDim = c.HiddenDim,
            DecoderDropout = c.DecoderDropout,
            Likelihood =
                (match c.Likelihood with
                 | Bernoulli -> Vae.Core.Config.Likelihood.Bernoulli
                 | Gaussian _ -> Vae.Core.Config.Likelihood.Gaussian
                 | GaussianLearnedVariance -> Vae.Core.Config.Likelihood.GaussianLearnedVariance),
            GaussianStd = (match c.Likelihood with Gaussian std -> std | _ -> baseline.GaussianStd),
            MlpInitStd = c.MlpInitStd)

    /// The core's defaults: the convolutional MNIST model with a 2-D latent.
    let defaults = ofCore (Vae.Core.Config.ModelConfig())

    /// The paper's MNIST MLP (500 tanh units) with the given latent size.
    let paperMlp latentDim = ofCore (Vae.Core.Config.ModelConfig.PaperMlp latentDim)

    /// The config if the core accepts it.
    let validate (c: ModelConfig) : Result<ModelConfig, VaeError> = Validation.check (fun () -> ConfigValidator.Validate(toCore c) |> ignore) c

/// Conversions for training configs.
module TrainingConfig =
    /// The core's record as F#.
    let ofCore (c: Vae.Core.Config.TrainingConfig) : TrainingConfig =
        { Dataset = c.Dataset
          Epochs = c.Epochs
          ExampleBudget = Option.ofNullable c.ExampleBudget
          BatchSize = c.BatchSize
          Optimizer = (match c.Optimizer with OptimizerKind.Adagrad -> Adagrad | _ -> Adam(c.Beta1, c.Beta2))
          LearningRate = c.LearningRate
          Schedule = (match c.Schedule with LearningRateSchedule.Cosine -> Cosine | _ -> Constant)
          WarmupSteps = c.WarmupSteps
          KlWarmupEpochs = c.KlWarmupEpochs
          WeightDecay = c.WeightDecay
          EmaDecay = c.EmaDecay
          Seed = c.Seed
          Binarization = (match c.Binarization with Vae.Core.Config.Binarization.Dynamic -> Dynamic | _ -> Grayscale) }

    /// The F# record as the core's.
    let toCore (c: TrainingConfig) : Vae.Core.Config.TrainingConfig =
        let baseline = Vae.Core.Config.TrainingConfig()
        Vae.Core.Config.TrainingConfig(
            Dataset = c.Dataset,
            Epochs = c.Epochs,
            ExampleBudget = Option.toNullable c.ExampleBudget,
            BatchSize = c.BatchSize,
            Optimizer = (match c.Optimizer with Adagrad -> OptimizerKind.Adagrad | Adam _ -> OptimizerKind.Adam),
            LearningRate = c.LearningRate,
            Schedule = (match c.Schedule with Cosine -> LearningRateSchedule.Cosine | Constant -> LearningRateSchedule.Constant),
            WarmupSteps = c.WarmupSteps,
            KlWarmupEpochs = c.KlWarmupEpochs,
            Beta1 = (match c.Optimizer with Adam(b1, _) -> b1 | Adagrad -> baseline.Beta1),
            Beta2 = (match c.Optimizer with Adam(_, b2) -> b2 | Adagrad -> baseline.Beta2),
            WeightDecay = c.WeightDecay,
            EmaDecay = c.EmaDecay,
            Seed = c.Seed,
            Binarization = (match c.Binarization with Dynamic -> Vae.Core.Config.Binarization.Dynamic | Grayscale -> Vae.Core.Config.Binarization.None))

    /// The core's defaults: Adam (0.9, 0.999), step size 1e-3, batch 128, 30 epochs, seed 1.
    let defaults = ofCore (Vae.Core.Config.TrainingConfig())

    /// The config if the core accepts it.
    let validate (c: TrainingConfig) : Result<TrainingConfig, VaeError> = Validation.check (fun () -> ConfigValidator.Validate(toCore c) |> ignore) c

/// Conversions for placements.
module Placement =
    /// The core's record as F#.
    let ofCore (p: Vae.Core.Config.Placement) : Placement =
        { Device = (match p.Device with "cpu" -> Cpu | "cuda" -> Cuda | _ -> Auto)
          CheckpointDir = Option.ofObj p.CheckpointDir
          EvalEvery = p.EvalEvery }

    /// The F# record as the core's.
    let toCore (p: Placement) =
        Vae.Core.Config.Placement(
            Device = (match p.Device with Cpu -> "cpu" | Cuda -> "cuda" | Auto -> "auto"),
            CheckpointDir = Option.toObj p.CheckpointDir,
            EvalEvery = p.EvalEvery)

    /// The core's defaults: train where the data is, no checkpoint, score the test split after every epoch.
    let defaults = ofCore (Vae.Core.Config.Placement())

    /// The placement if the core accepts it.
    let validate (p: Placement) : Result<Placement, VaeError> = Validation.check (fun () -> ConfigValidator.Validate(toCore p) |> ignore) p

/// Conversions for data options.
module DataOptions =
    /// The core's record as F#.
    let ofCore (o: Vae.Data.Acquisition.DataOptions) : DataOptions =
        { DataDir = Option.ofObj o.DataDir
          AllowDownload = o.AllowDownload
          AllowPackageManagers = o.AllowPackageManagers }

    /// The F# record as the core's.
    let toCore (o: DataOptions) =
        Vae.Data.Acquisition.DataOptions(
            DataDir = Option.toObj o.DataDir,
            AllowDownload = o.AllowDownload,
            AllowPackageManagers = o.AllowPackageManagers)

    /// The core's defaults: the per-user data folder, HTTP mirrors allowed, no package managers.
    let defaults = ofCore (Vae.Data.Acquisition.DataOptions())
