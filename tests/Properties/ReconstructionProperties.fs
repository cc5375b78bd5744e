/// The Bernoulli reconstruction term −Σ [x log y + (1 − x) log(1 − y)], y = sigmoid(logits).
module Vae.Tests.Properties.ReconstructionProperties

open FsCheck.Xunit
open FsCheck
open FsCheck.FSharp
open TorchSharp
open Vae.Core.Losses
open Vae.Tests.Properties.Generators

let private nll (b: int) (p: int) (logits: float32[]) (target: float32[]) =
    use l = tensor logits [| int64 b; 1L; 1L; int64 p |]
    use t = tensor target [| int64 b; 1L; 1L; int64 p |]
    use r = VaeLoss.BernoulliNll(l, t)
    r.data<float32>().ToArray()

let private logit (t: float32) = log (float t / (1.0 - float t)) |> float32

/// Binary entropy in nats, with 0 log 0 = 0.
let binaryEntropy (t: float) = (if t > 0.0 then -t * log t else 0.0) + (if t < 1.0 then -(1.0 - t) * log (1.0 - t) else 0.0)

[<Properties(Arbitrary = [| typeof<Arbs> |], MaxTest = 200)>]
module Bernoulli =
    [<Property>]
    let ``The Bernoulli NLL is non-negative`` (x: Pixels) =
        nll x.B x.P x.Logits x.Target |> Array.mapi (fun b v -> v >= 0.0f, fun () -> $"example {b}: NLL {v} < 0") |> allHold

    [<Property>]
    let ``For a grey target the NLL is smallest when the predicted probability equals the target`` (x: Pixels) (shift: NormalFloat) =
        let targets = x.Target |> Array.map (fun t -> min 0.98f (max 0.02f t))
        let delta = float32 (abs shift.Get % 3.0) + 0.05f
        let atTarget = nll x.B x.P (targets |> Array.map logit) targets
        let moved = nll x.B x.P (targets |> Array.map (fun t -> logit t + delta)) targets
        let movedDown = nll x.B x.P (targets |> Array.map (fun t -> logit t - delta)) targets
        allHold [ for b in 0 .. x.B - 1 ->
                    atTarget[b] < moved[b] && atTarget[b] < movedDown[b],
                    fun () -> $"example {b}: NLL {atTarget[b]} at the target, {moved[b]} and {movedDown[b]} with the logits moved by ±{delta}" ]

    [<Property>]
    let ``At its minimum the NLL equals the summed binary entropy of the targets`` (x: Pixels) =
        let targets = x.Target |> Array.map (fun t -> min 0.999f (max 0.001f t))
        let got = nll x.B x.P (targets |> Array.map logit) targets
        [ for b in 0 .. x.B - 1 ->
            let expected = Seq.sum (seq { for j in 0 .. x.P - 1 -> binaryEntropy (float targets[b * x.P + j]) })
            abs (float got[b] - expected) <= 1e-3 * max 1.0 expected, fun () -> $"example {b}: NLL {got[b]}, summed binary entropy {expected}" ]
        |> allHold

    [<Property>]
    let ``The NLL is finite for logits of plus or minus 1e4`` (x: Pixels) (signs: bool[]) =
        let logits = Array.init (x.B * x.P) (fun i -> if i < signs.Length && signs[i] then 1e4f else -1e4f)
        nll x.B x.P logits x.Target |> Array.mapi (fun b v -> System.Single.IsFinite v, fun () -> $"example {b}: NLL {v}") |> allHold
