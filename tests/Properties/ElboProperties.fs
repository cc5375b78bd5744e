/// The per-example negative ELBO, its reduction, and the importance-weighted bound (Burda et al. 2015).
module Vae.Tests.Properties.ElboProperties

open FsCheck.Xunit
open FsCheck
open FsCheck.FSharp
open TorchSharp
open Vae.Core.Losses
open Vae.Tests.Properties.Generators

let private values (t: torch.Tensor) = t.data<float32>().ToArray()

/// Per-example terms for a pixel batch and a latent batch of the same B.
let private terms (x: Pixels) (l: Latents) =
    let b = min x.B l.B
    let logits = tensor x.Logits[.. b * x.P - 1] [| int64 b; 1L; 1L; int64 x.P |]
    let target = tensor x.Target[.. b * x.P - 1] [| int64 b; 1L; 1L; int64 x.P |]
    let mu = tensor l.Mu[.. b * l.D - 1] [| int64 b; int64 l.D |]
    let lv = tensor l.LogVar[.. b * l.D - 1] [| int64 b; int64 l.D |]
    b, VaeLoss.NegativeElbo(VaeLoss.BernoulliNll(logits, target), VaeLoss.KlStandardNormal(mu, lv))

/// Log-weights [K, B] in a range that includes extreme values.
let logWeights =
    gen {
        let! k = Gen.choose (1, 40)
        let! b = Gen.choose (1, 4)
        let! scale = Gen.elements [ 1.0; 100.0; 1e4 ]
        let! w = Gen.arrayOfLength (k * b) (Gen.choose (-1000, 1000) |> Gen.map (fun i -> float32 (scale * float i / 1000.0 - scale)))
        return k, b, w
    }

[<Properties(Arbitrary = [| typeof<Arbs> |], MaxTest = 200)>]
module Elbo =
    [<Property>]
    let ``The total is reconstruction plus KL for every example`` (x: Pixels) (l: Latents) =
        let _, t = terms x l
        Array.map3 (fun total r k -> total, r, k) (values t.Total) (values t.Reconstruction) (values t.Kl)
        |> Array.mapi (fun b (total, r, k) -> abs (total - (r + k)) <= 1e-4f * max 1.0f (abs total), fun () -> $"example {b}: total {total}, reconstruction {r} + KL {k}")
        |> allHold

    [<Property>]
    let ``The mean reduction is the mean of the per-example totals and the sum reduction their sum`` (x: Pixels) (l: Latents) =
        let b, t = terms x l
        let perExample = values t.Total |> Array.map float
        let mean = (VaeLoss.Reduce(t, Reduction.Mean).Total.item<float32>()) |> float
        let sum = (VaeLoss.Reduce(t, Reduction.Sum).Total.item<float32>()) |> float
        allHold [ abs (mean - Array.average perExample) <= 1e-4 * max 1.0 (abs mean), (fun () -> $"mean reduction {mean}, mean of the totals {Array.average perExample}")
                  abs (sum - Array.sum perExample) <= 1e-4 * max 1.0 (abs sum), (fun () -> $"sum reduction {sum}, sum of the totals {Array.sum perExample}")
                  b >= 1, (fun () -> "an empty batch") ]

    [<Property>]
    let ``The batch loss does not depend on the order of the examples`` (x: Pixels) (l: Latents) (seed: int) =
        let b, t = terms x l
        let perm = Array.init b id |> Array.sortBy (fun i -> hash (i, seed))
        use idx = torch.tensor(perm |> Array.map int64)
        let permuted = VaeLoss.NegativeElbo(t.Reconstruction.index_select(0L, idx), t.Kl.index_select(0L, idx))
        let a = VaeLoss.Reduce(t, Reduction.Mean).Total.item<float32>()
        let c = VaeLoss.Reduce(permuted, Reduction.Mean).Total.item<float32>()
        abs (a - c) <= 1e-4f * max 1.0f (abs a) |> Prop.label $"mean total {a} in order, {c} permuted ({perm})"

module ImportanceWeighted =
    let private bound (k, b, w: float32[]) =
        use lw = tensor w [| int64 k; int64 b |]
        use r = VaeLoss.ImportanceWeightedBound(lw)
        values r

    [<Property(MaxTest = 300)>]
    let ``The bound is at least the mean single-sample ELBO of the same samples (Jensen)`` () =
        Prop.forAll (Arb.fromGen logWeights) (fun (k, b, w) ->
            let iw = bound (k, b, w)
            [ for j in 0 .. b - 1 ->
                let mean = Seq.average (seq { for i in 0 .. k - 1 -> float w[i * b + j] })
                float iw[j] >= mean - 1e-3 * max 1.0 (abs mean) ]
            |> List.forall id)

    [<Property(MaxTest = 300)>]
    let ``With one sample the bound equals the single-sample ELBO`` () =
        Prop.forAll (Arb.fromGen logWeights) (fun (_, b, w) ->
            let one = w[.. b - 1]
            bound (1, b, one) = one)

    [<Property(MaxTest = 300)>]
    let ``The bound is finite for large k and extreme log-weights`` () =
        Prop.forAll (Arb.fromGen logWeights) (fun (k, b, w) ->
            let big = Array.concat (List.replicate 50 w) // k·50 samples
            bound (k * 50, b, big) |> Array.forall System.Single.IsFinite)

    [<Property(MaxTest = 300)>]
    let ``The bound lies between the mean and the maximum log-weight`` () =
        Prop.forAll (Arb.fromGen logWeights) (fun (k, b, w) ->
            let iw = bound (k, b, w)
            [ for j in 0 .. b - 1 ->
                let col = [ for i in 0 .. k - 1 -> float w[i * b + j] ]
                float iw[j] <= List.max col + 1e-3 * max 1.0 (abs (List.max col)) ]
            |> List.forall id)

    [<Property(MaxTest = 300)>]
    let ``The bound is the log-mean-exp of the log-weights computed in double precision`` () =
        // Independent expectation: m + log((1/k) Σ exp(w_i − m)) with m = max w, in float64 here.
        Prop.forAll (Arb.fromGen logWeights) (fun (k, b, w) ->
            let iw = bound (k, b, w)
            [ for j in 0 .. b - 1 ->
                let col = [ for i in 0 .. k - 1 -> float w[i * b + j] ]
                let m = List.max col
                let lme = m + log (List.averageBy (fun v -> exp (v - m)) col)
                abs (float iw[j] - lme) <= 1e-4 * max 1.0 (abs lme) ]
            |> List.forall id)

    [<Property(MaxTest = 300)>]
    let ``With unequal log-weights the bound lies strictly above their mean`` () =
        // Jensen's gap is positive unless every weight is equal; half of the gap computed in double must remain.
        Prop.forAll (Arb.fromGen logWeights) (fun (k, b, w) ->
            let iw = bound (k, b, w)
            [ for j in 0 .. b - 1 ->
                let col = [ for i in 0 .. k - 1 -> float w[i * b + j] ]
                let m = List.max col
                let gap = m + log (List.averageBy (fun v -> exp (v - m)) col) - List.average col
                gap < 1e-2 || float iw[j] - List.average col > 0.5 * gap ]
            |> List.forall id)
