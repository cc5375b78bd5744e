/// The F# face (Vae.FSharp) is a faithful conversion: records round-trip to the core's records, copy-and-update
/// changes exactly the field named, and invalid configs come back as Error with the core's message.
module Vae.Tests.Properties.FSharpApiProperties

open FsCheck.Xunit
open FsCheck
open FsCheck.FSharp
open Vae.Core.Config
open Vae.Tests.Properties.Generators

type private Core = Vae.Core.Config.ModelConfig

/// Valid training configs over every field the F# record carries.
let private trainingConfigs =
    gen {
        let! epochs = Gen.choose (1, 100)
        let! batch = Gen.choose (1, 512)
        let! adam = Gen.elements [ true; false ]
        let! schedule = Gen.elements [ LearningRateSchedule.Constant; LearningRateSchedule.Cosine ]
        let! binarization = Gen.elements [ Binarization.None; Binarization.Dynamic ]
        let! device = Gen.elements [ "auto"; "cpu"; "cuda" ]
        let! budget = Gen.elements [ None; Some 1000L; Some 123_456L ]
        let! dir = Gen.elements [ None; Some "runs/x" ]
        let! seed = Gen.choose (0, 1000)
        let! warm = Gen.choose (0, 500)
        return
            TrainingConfig(
                Epochs = epochs, BatchSize = batch, Optimizer = (if adam then OptimizerKind.Adam else OptimizerKind.Adagrad),
                Schedule = schedule, Binarization = binarization, Device = device, ExampleBudget = Option.toNullable budget,
                CheckpointDir = Option.toObj dir, Seed = int64 seed, WarmupSteps = warm, KlWarmupEpochs = warm % 7,
                LearningRate = 1e-3 * float (1 + seed % 5), WeightDecay = float (seed % 3) * 1e-4,
                Beta1 = (if adam then 0.8 + float (seed % 10) / 100.0 else 0.9), Beta2 = 0.999, EvalEvery = 1 + seed % 4)
    }

module FSharpApi =
    [<Property(MaxTest = 200)>]
    let ``A model config converted to F# and back equals the original`` () =
        Prop.forAll (Arb.fromGen modelConfigs) (fun (c: Core) ->
            Vae.FSharp.ModelConfig.toCore (Vae.FSharp.ModelConfig.ofCore c) = c)

    [<Property(MaxTest = 200)>]
    let ``A training config converted to F# and back equals the original`` () =
        Prop.forAll (Arb.fromGen trainingConfigs) (fun (c: TrainingConfig) ->
            Vae.FSharp.TrainingConfig.toCore (Vae.FSharp.TrainingConfig.ofCore c) = c)

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
