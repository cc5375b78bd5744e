/// The quickstart, shared by the console app (Program.fs) and the script (../quickstart.fsx): train a latent-2
/// convolutional VAE on 2,000 MNIST images for one epoch, evaluate it on the test set, draw samples, then save,
/// reload and re-evaluate the checkpoint.
module Quickstart

open System.IO
open Vae.FSharp // the whole F# face: one open

/// Configs are F# records: copy-and-update, structural equality and comparison.
let config = { ModelConfig.defaults with LatentDim = 2 }
let training = { TrainingConfig.defaults with Dataset = "mnist"; Epochs = 1; Seed = 1L }
let nextToTry = [ config; { config with LatentDim = 16 } ] |> List.sort

/// Runs the quickstart, writing samples.png and checkpoint/ under outDir.
let run (outDir: string) : Result<unit, VaeError> =
    let data = { DataOptions.defaults with AllowPackageManagers = true }
    printfn "latent sizes, smallest first: %A" (nextToTry |> List.map (fun c -> c.LatentDim))
    Data.load data "mnist" Split.Train
    |> Result.bind (fun train ->
        Data.load data "mnist" Split.Test
        |> Result.bind (fun test ->
            use subset = train |> Data.take 2_000
            Model.create training.Seed config
            |> Result.bind (fun model ->
                model |> Train.fit training subset None
                |> Result.bind (fun history ->
                    let elbo = (model |> Evaluate.testLoss training test).Total
                    printfn "test negative ELBO: %.6f nats per image" elbo
                    use samples = model |> Generate.samples 64 1L
                    samples |> Generate.saveGrid 8 (Path.Combine(outDir, "samples.png"))
                    let checkpoint = Path.Combine(outDir, "checkpoint")
                    model |> Checkpoint.save checkpoint training history
                    |> Result.bind (fun () -> Checkpoint.load checkpoint)
                    |> Result.map (fun loaded ->
                        use reloaded = loaded.Model
                        let again = (reloaded |> Evaluate.testLoss training test).Total
                        printfn "reloaded test negative ELBO: %.6f nats per image (epoch %d)" again loaded.Epoch)))))
