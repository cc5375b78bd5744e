/// Shapes of encoders, decoders and prior samples for any valid config; rejection of invalid ones;
/// the reparameterisation's moments.
module Vae.Tests.Properties.ModelProperties

open System
open FsCheck.Xunit
open FsCheck
open FsCheck.FSharp
open TorchSharp
open Vae.Core.Config
open Vae.Core.Models
open Vae.Core.Evaluation
open Vae.Tests.Properties.Generators

[<Properties(Arbitrary = [| typeof<Arbs> |], MaxTest = 40)>]
module Shapes =
    [<Property>]
    let ``For any valid config the encoder gives B by D and the decoder B by C by H by W`` (config: ModelConfig) (batch: PositiveInt) =
        let b = int64 (1 + batch.Get % 4)
        use g = new torch.Generator(1UL)
        use model = new VariationalAutoencoder(config, g)
        use x = torch.rand([| b; int64 config.Channels; int64 config.Height; int64 config.Width |], generator = g)
        let posterior = model.Encode(x)
        use decoded = model.Decode(posterior.Mu)
        posterior.Mu.shape = [| b; int64 config.LatentDim |]
        && posterior.LogVar.shape = [| b; int64 config.LatentDim |]
        && decoded.shape = x.shape

    [<Property>]
    let ``Samples from the prior have the input shape and values in 0 to 1`` (config: ModelConfig) =
        use g = new torch.Generator(2UL)
        use model = new VariationalAutoencoder(config, g)
        use s = Generation.SamplePrior(model, 3, g, torch.CPU)
        s.shape = [| 3L; int64 config.Channels; int64 config.Height; int64 config.Width |]
        && s.min().item<float32>() >= 0.0f && s.max().item<float32>() <= 1.0f

    [<Property>]
    let ``Invalid configs are rejected with a message naming the field`` (config: ModelConfig) (which: int) =
        let bad, field =
            match abs which % 4 with
            | 0 -> ModelConfig(LatentDim = 0, Channels = config.Channels), "LatentDim"
            | 1 -> ModelConfig(HiddenDim = -1), "HiddenDim"
            | 2 -> ModelConfig(Height = 30, Width = 30, ConvChannels = [| 4; 4 |]), "ConvChannels"
            | _ -> ModelConfig(GaussianStd = Double.NaN), "GaussianStd"
        try
            ConfigValidator.Validate(bad) |> ignore
            false
        with :? ArgumentException as e -> e.ParamName = field && e.Message.StartsWith field || e.Message.Contains "divisible"

module Reparameterisation =
    [<Property(MaxTest = 30)>]
    let ``Over many draws the sample mean and variance match mu and sigma squared`` (m: NormalFloat) (lv: NormalFloat) =
        let mu = float32 (max -5.0 (min 5.0 m.Get))
        let logVar = float32 (max -4.0 (min 4.0 lv.Get))
        let n = 20000
        use g = new torch.Generator(7UL)
        use muT = torch.ones(int64 n, 1L) * mu
        use lvT = torch.ones(int64 n, 1L) * logVar
        use z = VariationalAutoencoder.Reparameterize(muT, lvT, g)
        let var = exp (float logVar)
        let mean = z.mean().item<float32>() |> float
        let sampleVar = z.var().item<float32>() |> float
        // 5 standard errors: se(mean) = σ/√n, se(var) = σ²·√(2/(n−1)).
        abs (mean - float mu) <= 5.0 * sqrt (var / float n)
        && abs (sampleVar - var) <= 5.0 * var * sqrt (2.0 / float (n - 1))
