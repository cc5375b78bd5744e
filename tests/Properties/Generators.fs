/// FsCheck generators for the property tests: latent statistics (including extreme but valid
/// values), Bernoulli targets and logits, and valid model configurations.
module Vae.Tests.Properties.Generators

open FsCheck
open FsCheck.FSharp
open TorchSharp
open Vae.Core.Config

/// A batch of posterior parameters as plain arrays: B examples of D dimensions.
type Latents = { B: int; D: int; Mu: float32[]; LogVar: float32[] }

/// Pixels in [0, 1] and logits for a small batch of images.
type Pixels = { B: int; P: int; Target: float32[]; Logits: float32[] }

let private floatIn (lo: float) (hi: float) =
    Gen.choose (0, 1_000_000) |> Gen.map (fun i -> float32 (lo + (hi - lo) * float i / 1e6))

/// μ mostly moderate, sometimes large (|μ| ≤ 50); log σ² in [-20, 10] (σ² from 2e-9 to 2.2e4).
let latents =
    gen {
        let! b = Gen.choose (1, 6)
        let! d = Gen.choose (1, 8)
        let! mu = Gen.arrayOfLength (b * d) (Gen.frequency [ 4, floatIn -3.0 3.0; 1, floatIn -50.0 50.0 ])
        let! lv = Gen.arrayOfLength (b * d) (Gen.frequency [ 4, floatIn -3.0 3.0; 1, floatIn -20.0 10.0 ])
        return { B = b; D = d; Mu = mu; LogVar = lv }
    }

/// Targets in [0, 1] (binary or grey) and logits in [-30, 30].
let pixels =
    gen {
        let! b = Gen.choose (1, 5)
        let! p = Gen.choose (1, 16)
        let! t = Gen.arrayOfLength (b * p) (Gen.frequency [ 1, Gen.elements [ 0.0f; 1.0f ]; 2, floatIn 0.0 1.0 ])
        let! l = Gen.arrayOfLength (b * p) (floatIn -30.0 30.0)
        return { B = b; P = p; Target = t; Logits = l }
    }

/// Valid model configs: both architectures, input 1×28×28 or 3×32×32, 0–2 extra convolutions per level, small hidden sizes for speed.
let modelConfigs =
    gen {
        let! rgb = Gen.elements [ false; true ]
        let! arch = Gen.elements [ Architecture.Conv; Architecture.Mlp ]
        let! latent = Gen.choose (1, 32)
        let! hidden = Gen.choose (4, 48)
        let! layers = Gen.choose (1, 2)
        let! channels = Gen.listOfLength layers (Gen.choose (2, 8))
        let! extra = Gen.choose (0, 2)
        let! dropout = Gen.elements [ 0.0; 0.25; 0.5 ]
        let convChannels: System.Collections.Generic.IReadOnlyList<int> =
            if arch = Architecture.Conv then Array.ofList channels else [||]
        let side = if rgb then 32 else 28
        return
            ModelConfig(
                Channels = (if rgb then 3 else 1), Height = side, Width = side, LatentDim = latent,
                HiddenDim = hidden, Architecture = arch, ConvChannels = convChannels,
                ExtraConvsPerLevel = (if arch = Architecture.Conv then extra else 0), DecoderDropout = dropout)
    }

/// Tensor from a flat array and a shape.
let tensor (data: float32[]) (shape: int64[]) = torch.tensor(data, System.ReadOnlySpan<int64>(shape))

/// Arbitraries registered with [<Properties(Arbitrary = [| typeof<Arbs> |])>].
type Arbs =
    static member Latents() = Arb.fromGen latents
    static member Pixels() = Arb.fromGen pixels
    static member ModelConfigs() = Arb.fromGen modelConfigs
