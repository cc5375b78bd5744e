namespace Vae.FSharp

open TorchSharp
open Vae.Core
open Vae.Core.Models
open Vae.Core.Metrics
open Vae.Core.Runtime
open Vae.Core.Training
open Vae.Data

/// A trained or loaded model with everything its checkpoint records.
type Loaded =
    { /// The model, weights loaded; dispose it when done.
      Model: VariationalAutoencoder
      /// The model's config.
      Config: ModelConfig
      /// The training config it was trained with.
      Training: TrainingConfig
      /// Epochs finished.
      Epoch: int
      /// Per-epoch metrics.
      History: EpochMetrics list }

/// What a checkpoint folder holds: nothing, a complete checkpoint, or a damaged one (never taken for nothing).
type CheckpointState =
    /// Nothing was saved there.
    | NoCheckpoint
    /// A complete checkpoint, in this folder (the one asked about, or the DIR.tmp or DIR.old a crash left beside it).
    | Complete of folder: string
    /// Files are there but no complete checkpoint; what is wrong, naming the file.
    | Damaged of problem: string

/// The pure loss functions of Vae.Core.Losses.VaeLoss, curried (Kingma and Welling 2013, §2.3 and App. B).
/// Per-example results are [B]; the formulas and shapes are in the core's documentation.
module Loss =
    /// KL(q(z | x) ‖ N(0, I)) per example, in closed form: mu, logVar [B, D] → [B].
    let kl (mu: torch.Tensor) (logVar: torch.Tensor) = Losses.VaeLoss.KlStandardNormal(mu, logVar)

    /// −log p(x | z) of a Bernoulli decoder per example: logits, target [B, C, H, W] → [B].
    let bernoulliNll (logits: torch.Tensor) (target: torch.Tensor) = Losses.VaeLoss.BernoulliNll(logits, target)

    /// −log p(x | z) of a Gaussian decoder per example: mean, target [B, C, H, W], logVar broadcastable → [B].
    let gaussianNll (mean: torch.Tensor) (target: torch.Tensor) (logVar: torch.Tensor) = Losses.VaeLoss.GaussianNll(mean, target, logVar)

    /// The negative ELBO terms from a reconstruction term and a KL term, both [B].
    let negativeElbo (reconstruction: torch.Tensor) (kl: torch.Tensor) = Losses.VaeLoss.NegativeElbo(reconstruction, kl)

    /// Reduces per-example terms (mean, sum or none).
    let reduce (reduction: Losses.Reduction) (terms: Losses.ElboTerms) = Losses.VaeLoss.Reduce(terms, reduction)

    /// The importance-weighted bound log (1/k) Σ exp(log w) over dimension 0: logWeights [k, B] → [B].
    let iwBound (logWeights: torch.Tensor) = Losses.VaeLoss.ImportanceWeightedBound logWeights

/// Loading datasets.
module Data =
    /// Loads one split of "mnist", "fashion-mnist" or "svhn"; images [N, C, H, W] in [0, 1].
    let load (options: DataOptions) (name: string) (split: Split) : Result<ImageDataset, VaeError> =
        try
            Ok (Acquisition.DatasetStore.Load(name, split, DataOptions.toCore options)).Dataset
        with
        | :? DatasetException as e -> Error(DataError(e.Kind, e.Message))
        | :? System.ArgumentException as e -> Error(InvalidConfig e.Message) // an unknown name: nothing is missing, the name is wrong

    /// The first n images of a dataset, copied (a new dataset to dispose; the original stays valid).
    let take (n: int) (dataset: ImageDataset) = dataset.Take n

module private DeviceOf =
    let device = function
        | Cpu -> torch.CPU
        | Cuda -> Devices.Resolve "cuda"
        | Auto -> Devices.Resolve "auto"

/// Creating models.
module Model =
    /// A new model on the given device, its weights drawn from a generator seeded with seed.
    let createOn (device: Device) (seed: int64) (config: ModelConfig) : Result<VariationalAutoencoder, VaeError> =
        ModelConfig.validate config
        |> Result.map (fun c -> Trainer.CreateModel(ModelConfig.toCore c, seed, DeviceOf.device device))

    /// A new model on the CPU, its weights drawn from a generator seeded with seed.
    let create (seed: int64) (config: ModelConfig) = createOn Cpu seed config

    /// The model's config.
    let config (model: VariationalAutoencoder) = ModelConfig.ofCore model.Config

/// Training.
module Train =
    let private run (placement: Placement) (progress: System.IProgress<TrainingProgress> option) (config: TrainingConfig) (train: ImageDataset) (test: ImageDataset option) (model: VariationalAutoencoder) =
        match TrainingConfig.validate config, Placement.validate placement with
        | Error e, _ | _, Error e -> Error e
        | Ok c, Ok p ->
            try
                let data = train.ToTrainingData(Option.toObj test)
                let options = TrainingOptions(Progress = Option.toObj progress, Placement = Placement.toCore p)
                Ok (Trainer.Fit(model, TrainingConfig.toCore c, data, options))
            with
            | :? TrainingDivergedException as e -> Error(Diverged e.Message)
            | :? System.OperationCanceledException -> Error Cancelled
            | :? Checkpoints.CheckpointException as e -> Error(CheckpointError e.Message)
            | :? System.ArgumentException as e -> Error(InvalidConfig e.Message)

    /// Trains the model in place on train, evaluating on test after epochs when given; returns the history.
    /// It trains where the data is, writes no checkpoint and scores test after every epoch (Placement.defaults).
    let fit (config: TrainingConfig) (train: ImageDataset) (test: ImageDataset option) (model: VariationalAutoencoder) =
        run Placement.defaults None config train test model

    /// As fit, placed: on a device the data must be on, with a checkpoint folder, scoring test every so many epochs.
    let fitAt (placement: Placement) (config: TrainingConfig) (train: ImageDataset) (test: ImageDataset option) (model: VariationalAutoencoder) =
        run placement None config train test model

    /// As fit, calling onProgress after every step.
    let fitWithProgress (onProgress: TrainingProgress -> unit) (config: TrainingConfig) (train: ImageDataset) (test: ImageDataset option) (model: VariationalAutoencoder) =
        let progress = { new System.IProgress<TrainingProgress> with member _.Report p = onProgress p }
        run Placement.defaults (Some progress) config train test model

/// Evaluation.
module Evaluate =
    /// Mean per-example negative ELBO over the dataset's images as they are (single-sample reconstruction term, analytic KL),
    /// with the core's evaluation seed. To score a trained model on a test set, use testLoss, which applies the evaluation rule.
    let elbo (dataset: ImageDataset) (model: VariationalAutoencoder) : LossSummary =
        Evaluation.Evaluator.Evaluate(model, dataset.Images)

    /// The test loss of a model trained under training, on dataset's images by the core's one evaluation rule
    /// (Vae.Core.Evaluation.EvaluationSet: binarised once with a fixed seed when training binarised dynamically):
    /// the number the trainer reports after an epoch and vae evaluate prints.
    let testLoss (training: TrainingConfig) (dataset: ImageDataset) (model: VariationalAutoencoder) : LossSummary =
        use scored = Evaluation.EvaluationSet.For(dataset.Images, (TrainingConfig.toCore training).Binarization)
        scored.Score model

    /// Importance-weighted estimate of the mean log p(x) with k samples per image (Burda et al. 2015); the NLL is its negation.
    let logLikelihood (k: int) (dataset: ImageDataset) (model: VariationalAutoencoder) : float =
        Evaluation.Evaluator.ImportanceWeightedLogLikelihood(model, dataset.Images, k)

/// Generation.
module Generate =
    /// count images decoded from z ~ N(0, I), drawn from a generator seeded with seed; [count, C, H, W] in [0, 1].
    let samples (count: int) (seed: int64) (model: VariationalAutoencoder) =
        let device = model.parameters() |> Seq.head |> fun p -> p.device
        use generator = Devices.Generator(seed, device)
        Evaluation.Generation.SamplePrior(model, count, generator, device)

    /// Writes images [N, C, H, W] in [0, 1] as a PNG grid with the given number of columns.
    let saveGrid (columns: int) (path: string) (images: torch.Tensor) = Evaluation.SampleGrid.Save(images, columns, path)

/// Checkpoints (weights, configs and history; the layout of Vae.Core.Checkpoints.Checkpoint).
module Checkpoint =
    /// Writes the model, its training config and history to dir, atomically.
    let save (dir: string) (training: TrainingConfig) (history: TrainingHistory) (model: VariationalAutoencoder) : Result<unit, VaeError> =
        try
            Checkpoints.Checkpoint.Save(dir, model, null, null, TrainingConfig.toCore training, history.Epochs)
            Ok()
        with
        | :? System.IO.IOException
        | :? System.UnauthorizedAccessException as e -> Error(CheckpointError $"{dir}: {e.Message}")
        | :? Checkpoints.CheckpointException as e -> Error(CheckpointError e.Message)

    /// What dir holds: no checkpoint, a complete one (and where), or a damaged one (and what is wrong).
    let status (dir: string) : CheckpointState =
        let s = Checkpoints.CheckpointStatus.Of(dir)
        match s.Condition with
        | Checkpoints.CheckpointCondition.Complete -> Complete(string s.Folder)
        | Checkpoints.CheckpointCondition.Damaged -> Damaged(string s.Problem)
        | _ -> NoCheckpoint

    /// Loads the checkpoint in dir onto the CPU.
    let load (dir: string) : Result<Loaded, VaeError> =
        try
            let loaded = Checkpoints.Checkpoint.LoadModel(dir, torch.CPU)
            Ok { Model = loaded.Model
                 Config = ModelConfig.ofCore loaded.State.Model
                 Training = TrainingConfig.ofCore loaded.State.Training
                 Epoch = loaded.State.Epoch
                 History = List.ofSeq loaded.State.History }
        with :? Checkpoints.CheckpointException as e -> Error(CheckpointError e.Message)
