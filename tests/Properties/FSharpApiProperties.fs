/// The F# face (Vae.FSharp) is a faithful conversion: records round-trip to the core's records, copy-and-update
/// changes exactly the field named, and invalid configs come back as Error with the core's message.
module Vae.Tests.Properties.FSharpApiProperties

open FsCheck.Xunit
open FsCheck
open FsCheck.FSharp
open Vae.Core.Config
open Vae.Tests.Properties.Generators

type private Core = Vae.Core.Config.ModelConfig

/// A valid training config as plain values: every field of the core's record, each drawn away from its default.
type private TrainingSpec =
    { Dataset: string; Epochs: int; ExampleBudget: int64 option; BatchSize: int; Adam: bool; LearningRate: float
      Schedule: LearningRateSchedule; WarmupSteps: int; KlWarmupEpochs: int; Beta1: float; Beta2: float; WeightDecay: float
      EmaDecay: float; Seed: int64; Binarization: Binarization }

let private toTrainingConfig (s: TrainingSpec) =
    TrainingConfig(
        Dataset = s.Dataset, Epochs = s.Epochs, ExampleBudget = Option.toNullable s.ExampleBudget, BatchSize = s.BatchSize,
        Optimizer = (if s.Adam then OptimizerKind.Adam else OptimizerKind.Adagrad), LearningRate = s.LearningRate,
        Schedule = s.Schedule, WarmupSteps = s.WarmupSteps, KlWarmupEpochs = s.KlWarmupEpochs,
        Beta1 = (if s.Adam then s.Beta1 else 0.9), Beta2 = (if s.Adam then s.Beta2 else 0.999), WeightDecay = s.WeightDecay,
        EmaDecay = s.EmaDecay, Seed = s.Seed, Binarization = s.Binarization)

let private trainingSpecs =
    gen {
        let! dataset = Gen.elements [ "mnist"; "fashion-mnist"; "svhn" ]
        let! epochs = Gen.choose (1, 100)
        let! budget = Gen.elements [ None; Some 1000L; Some 123_456L ]
        let! batch = Gen.choose (1, 512)
        let! adam = Gen.elements [ true; false ]
        let! lr = Gen.elements [ 1e-4; 3e-4; 2e-3; 0.02 ]
        let! schedule = Gen.elements [ LearningRateSchedule.Constant; LearningRateSchedule.Cosine ]
        let! warm = Gen.choose (0, 500)
        let! klWarm = Gen.choose (0, 6)
        let! beta1 = Gen.elements [ 0.5; 0.8; 0.9; 0.95 ]
        let! beta2 = Gen.elements [ 0.99; 0.995; 0.999 ]
        let! decay = Gen.elements [ 0.0; 1e-5; 1e-4 ]
        let! ema = Gen.elements [ 0.0; 0.99; 0.999 ]
        let! seed = Gen.choose (0, 1000)
        let! binarization = Gen.elements [ Binarization.None; Binarization.Dynamic ]
        return
            { Dataset = dataset; Epochs = epochs; ExampleBudget = budget; BatchSize = batch; Adam = adam; LearningRate = lr
              Schedule = schedule; WarmupSteps = warm; KlWarmupEpochs = klWarm; Beta1 = beta1; Beta2 = beta2; WeightDecay = decay
              EmaDecay = ema; Seed = int64 seed; Binarization = binarization }
    }

/// Simpler specs: one field at a time back to the core's default.
let private shrinkTrainingSpec (s: TrainingSpec) =
    let d = TrainingConfig()
    seq {
        if s.Dataset <> d.Dataset then yield { s with Dataset = d.Dataset }
        if s.Epochs <> d.Epochs then yield { s with Epochs = d.Epochs }
        if s.ExampleBudget.IsSome then yield { s with ExampleBudget = None }
        if s.BatchSize <> d.BatchSize then yield { s with BatchSize = d.BatchSize }
        if not s.Adam then yield { s with Adam = true }
        if s.LearningRate <> d.LearningRate then yield { s with LearningRate = d.LearningRate }
        if s.Schedule <> d.Schedule then yield { s with Schedule = d.Schedule }
        if s.WarmupSteps <> 0 then yield { s with WarmupSteps = 0 }
        if s.KlWarmupEpochs <> 0 then yield { s with KlWarmupEpochs = 0 }
        if s.Beta1 <> d.Beta1 then yield { s with Beta1 = d.Beta1 }
        if s.Beta2 <> d.Beta2 then yield { s with Beta2 = d.Beta2 }
        if s.WeightDecay <> 0.0 then yield { s with WeightDecay = 0.0 }
        if s.EmaDecay <> 0.0 then yield { s with EmaDecay = 0.0 }
        if s.Seed <> d.Seed then yield { s with Seed = d.Seed }
        if s.Binarization <> d.Binarization then yield { s with Binarization = d.Binarization }
    }

/// A round trip that fails names the fields that changed, as the core's JSON names them.
let private sameConfig (original: 'T) (back: 'T) =
    let changed = ConfigJson.Differences(original, back, "before", "after")
    (back = original) |> Prop.label ("changed by the round trip: " + changed)

/// Placements: every device, a checkpoint folder or none, any cadence.
let private placements =
    gen {
        let! device = Gen.elements [ "auto"; "cpu"; "cuda" ]
        let! dir = Gen.elements [ None; Some "runs/x"; Some "/tmp/a b" ]
        let! every = Gen.choose (1, 10)
        return Placement(Device = device, CheckpointDir = Option.toObj dir, EvalEvery = every)
    }

module FSharpApi =
    [<Property(MaxTest = 200)>]
    let ``A model config converted to F# and back equals the original`` () =
        Prop.forAll modelConfigArb (fun (c: Core) -> sameConfig c (Vae.FSharp.ModelConfig.toCore (Vae.FSharp.ModelConfig.ofCore c)))

    [<Property(MaxTest = 200)>]
    let ``A training config converted to F# and back equals the original`` () =
        Prop.forAll (Arb.fromGenShrink (trainingSpecs, shrinkTrainingSpec)) (fun spec ->
            let c = toTrainingConfig spec
            sameConfig c (Vae.FSharp.TrainingConfig.toCore (Vae.FSharp.TrainingConfig.ofCore c)))

    [<Property(MaxTest = 100)>]
    let ``A placement converted to F# and back equals the original`` () =
        Prop.forAll (Arb.fromGen placements) (fun (p: Placement) ->
            let back = Vae.FSharp.Placement.toCore (Vae.FSharp.Placement.ofCore p)
            (back = p) |> Prop.label $"before {p}, after {back}")

    [<Property(MaxTest = 200)>]
    let ``Copy-and-update of the F# record changes exactly that field of the core's record`` () =
        Prop.forAll (Arb.fromGen (Gen.zip modelConfigs (Gen.choose (1, 64)))) (fun (c: Core, latent) ->
            let updated = Vae.FSharp.ModelConfig.toCore { Vae.FSharp.ModelConfig.ofCore c with LatentDim = latent }
            let differences = ConfigJson.Differences(c, updated, "a", "b")
            updated.LatentDim = latent && (if latent = c.LatentDim then differences = "" else differences.StartsWith "latentDim:" && not (differences.Contains ";")))

    [<Property(MaxTest = 100)>]
    let ``An invalid config is an Error carrying the core's message, never an exception`` () =
        Prop.forAll (Arb.fromGen (Gen.zip modelConfigs (Gen.choose (-5, 0)))) (fun (c: Core, bad) ->
            match Vae.FSharp.ModelConfig.validate { Vae.FSharp.ModelConfig.ofCore c with LatentDim = bad } with
            | Error(Vae.FSharp.InvalidConfig message) -> message.Contains "LatentDim must be in [1, 4096]"
            | _ -> false)
