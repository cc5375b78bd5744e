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

/// A valid model config as plain values (what the generator draws and the shrinker simplifies); toModelConfig builds
/// the core's record from it field by field, so no code under test is involved.
type ModelSpec =
    { Rgb: bool; Architecture: Architecture; LatentDim: int; HiddenDim: int; ConvChannels: int list; ExtraConvsPerLevel: int
      DecoderDropout: float; Likelihood: Likelihood; GaussianStd: float; MlpInitStd: float }

let toModelConfig (s: ModelSpec) =
    let side = if s.Rgb then 32 else 28
    ModelConfig(
        Channels = (if s.Rgb then 3 else 1), Height = side, Width = side, LatentDim = s.LatentDim, HiddenDim = s.HiddenDim,
        Architecture = s.Architecture,
        ConvChannels = (if s.Architecture = Architecture.Conv then Array.ofList s.ConvChannels else [||]),
        ExtraConvsPerLevel = (if s.Architecture = Architecture.Conv then s.ExtraConvsPerLevel else 0),
        DecoderDropout = s.DecoderDropout, Likelihood = s.Likelihood, GaussianStd = s.GaussianStd, MlpInitStd = s.MlpInitStd)

let ofModelConfig (c: ModelConfig) =
    { Rgb = c.Channels = 3; Architecture = c.Architecture; LatentDim = c.LatentDim; HiddenDim = c.HiddenDim
      ConvChannels = List.ofSeq c.ConvChannels; ExtraConvsPerLevel = c.ExtraConvsPerLevel; DecoderDropout = c.DecoderDropout
      Likelihood = c.Likelihood; GaussianStd = c.GaussianStd; MlpInitStd = c.MlpInitStd }

/// Valid model configs: both architectures, input 1×28×28 or 3×32×32, 0–2 extra convolutions per level, small hidden
/// sizes for speed, every likelihood (the Gaussian with its σ), and the MLP's initial weight scale.
let modelSpecs =
    gen {
        let! rgb = Gen.elements [ false; true ]
        let! arch = Gen.elements [ Architecture.Conv; Architecture.Mlp ]
        let! latent = Gen.choose (1, 32)
        let! hidden = Gen.choose (4, 48)
        let! layers = Gen.choose (1, 2)
        let! channels = Gen.listOfLength layers (Gen.choose (2, 8))
        let! extra = Gen.choose (0, 2)
        let! dropout = Gen.elements [ 0.0; 0.25; 0.5 ]
        let! likelihood = Gen.elements [ Likelihood.Bernoulli; Likelihood.Gaussian; Likelihood.GaussianLearnedVariance ]
        // σ belongs to the Gaussian likelihood (the F# face carries it in the Gaussian case); other likelihoods leave it at the default.
        let! std = if likelihood = Likelihood.Gaussian then Gen.elements [ 0.05; 0.1; 0.3; 1.0 ] else Gen.constant (ModelConfig().GaussianStd)
        let! initStd = Gen.elements [ 0.01; 0.02; 0.1 ]
        return
            { Rgb = rgb; Architecture = arch; LatentDim = latent; HiddenDim = hidden; ConvChannels = channels
              ExtraConvsPerLevel = (if arch = Architecture.Conv then extra else 0); DecoderDropout = dropout
              Likelihood = likelihood; GaussianStd = std; MlpInitStd = initStd }
    }

/// Simpler valid specs, simplest first: grey, no extras, the defaults' likelihood and scales, smaller sizes.
let shrinkModelSpec (s: ModelSpec) =
    let defaults = ofModelConfig (ModelConfig())
    seq {
        if s.Rgb then yield { s with Rgb = false }
        if s.ExtraConvsPerLevel > 0 then yield { s with ExtraConvsPerLevel = 0 }
        if s.DecoderDropout <> 0.0 then yield { s with DecoderDropout = 0.0 }
        if s.Likelihood <> Likelihood.Bernoulli then yield { s with Likelihood = Likelihood.Bernoulli; GaussianStd = defaults.GaussianStd }
        if s.GaussianStd <> defaults.GaussianStd then yield { s with GaussianStd = defaults.GaussianStd }
        if s.MlpInitStd <> defaults.MlpInitStd then yield { s with MlpInitStd = defaults.MlpInitStd }
        if s.ConvChannels.Length > 1 then yield { s with ConvChannels = [ s.ConvChannels.Head ] }
        if s.ConvChannels |> List.exists (fun c -> c > 2) then yield { s with ConvChannels = s.ConvChannels |> List.map (fun _ -> 2) }
        if s.LatentDim > 1 then yield { s with LatentDim = 1 }
        if s.LatentDim > 2 then yield { s with LatentDim = s.LatentDim / 2 }
        if s.HiddenDim > 4 then yield { s with HiddenDim = 4 }
        if s.HiddenDim > 8 then yield { s with HiddenDim = s.HiddenDim / 2 }
    }

/// The core's model configs from modelSpecs, shrinking through the spec.
let modelConfigArb = Arb.fromGenShrink (modelSpecs, shrinkModelSpec) |> Arb.convert toModelConfig ofModelConfig

/// The same configs without shrinking, as a generator to combine with others.
let modelConfigs = modelSpecs |> Gen.map toModelConfig

/// Tensor from a flat array and a shape.
let tensor (data: float32[]) (shape: int64[]) = torch.tensor(data, System.ReadOnlySpan<int64>(shape))

/// Smaller latent batches, simplest first: one example fewer, one dimension fewer, a value at the prior (0) or rounded.
let shrinkLatents (l: Latents) =
    let pick (src: float32[]) d = [| for b in 0 .. l.B - 1 do for j in 0 .. d - 1 -> src[b * l.D + j] |]
    let simpler (src: float32[]) =
        seq {
            for i in 0 .. src.Length - 1 do
                if src[i] <> 0.0f then yield Array.updateAt i 0.0f src
                if src[i] <> round src[i] then yield Array.updateAt i (round src[i]) src
        }
    seq {
        if l.B > 1 then yield { l with B = l.B - 1; Mu = l.Mu[.. (l.B - 1) * l.D - 1]; LogVar = l.LogVar[.. (l.B - 1) * l.D - 1] }
        if l.D > 1 then yield { l with D = l.D - 1; Mu = pick l.Mu (l.D - 1); LogVar = pick l.LogVar (l.D - 1) }
        for mu in simpler l.Mu -> { l with Mu = mu }
        for lv in simpler l.LogVar -> { l with LogVar = lv }
    }

/// Smaller pixel batches, simplest first: one example fewer, one pixel fewer, a target of 0 or 1, a logit of 0 or rounded.
let shrinkPixels (x: Pixels) =
    let pick (src: float32[]) p = [| for b in 0 .. x.B - 1 do for j in 0 .. p - 1 -> src[b * x.P + j] |]
    seq {
        if x.B > 1 then yield { x with B = x.B - 1; Target = x.Target[.. (x.B - 1) * x.P - 1]; Logits = x.Logits[.. (x.B - 1) * x.P - 1] }
        if x.P > 1 then yield { x with P = x.P - 1; Target = pick x.Target (x.P - 1); Logits = pick x.Logits (x.P - 1) }
        for i in 0 .. x.Target.Length - 1 do
            if x.Target[i] <> round x.Target[i] then yield { x with Target = Array.updateAt i (round x.Target[i]) x.Target }
        for i in 0 .. x.Logits.Length - 1 do
            if x.Logits[i] <> 0.0f then yield { x with Logits = Array.updateAt i 0.0f x.Logits }
            if x.Logits[i] <> round x.Logits[i] then yield { x with Logits = Array.updateAt i (round x.Logits[i]) x.Logits }
    }

/// Every check must hold; a failure is labelled with each failing check's description (the example and the term), so
/// FsCheck's report names what broke, not just the whole input.
let allHold (checks: seq<bool * (unit -> string)>) : Property =
    let failed = checks |> Seq.filter (fst >> not) |> Seq.map (fun (_, describe) -> describe ()) |> List.ofSeq
    Prop.label (String.concat "; " failed) (List.isEmpty failed)

/// Arbitraries registered with [<Properties(Arbitrary = [| typeof<Arbs> |])>]; each shrinks.
type Arbs =
    static member Latents() = Arb.fromGenShrink (latents, shrinkLatents)
    static member Pixels() = Arb.fromGenShrink (pixels, shrinkPixels)
    static member ModelConfigs() = modelConfigArb
