/// The analytic KL term KL(N(μ, σ²) ‖ N(0, I)) = −½ Σ (1 + log σ² − μ² − σ²) (Kingma and Welling 2013, App. B).
module Vae.Tests.Properties.KlProperties

open Xunit
open FsCheck.Xunit
open FsCheck
open FsCheck.FSharp
open TorchSharp
open MathNet.Numerics
open MathNet.Numerics.Distributions
open Vae.Core.Losses
open Vae.Tests.Properties.Generators

let private kl (l: Latents) =
    use mu = tensor l.Mu [| int64 l.B; int64 l.D |]
    use lv = tensor l.LogVar [| int64 l.B; int64 l.D |]
    use k = VaeLoss.KlStandardNormal(mu, lv)
    k.data<float32>().ToArray()

/// KL(N(μ, σ²) ‖ N(0, 1)) by numerical integration of q(z) [log q(z) − log p(z)] with MathNet
/// (Gauss–Legendre, 256 points over μ ± 12σ): independent of the closed form.
let klByIntegration (mu: float) (logVar: float) =
    let sigma = sqrt (exp logVar)
    let q = Normal(mu, sigma)
    let p = Normal(0.0, 1.0)
    Integrate.GaussLegendre((fun z -> q.Density z * (q.DensityLn z - p.DensityLn z)), mu - 12.0 * sigma, mu + 12.0 * sigma, 256)

[<Properties(Arbitrary = [| typeof<Arbs> |], MaxTest = 200)>]
module Kl =
    [<Property>]
    let ``KL is non-negative for every example`` (l: Latents) =
        kl l |> Array.mapi (fun b v -> v >= 0.0f, fun () -> $"example {b}: KL {v} < 0") |> allHold

    [<Property>]
    let ``KL is zero only at the prior: any mean or log-variance away from 0 gives KL above 0`` (l: Latents) =
        let values = kl l
        [ for b in 0 .. l.B - 1 ->
            let far = Seq.exists (fun d -> abs l.Mu[b * l.D + d] > 1e-2f || abs l.LogVar[b * l.D + d] > 1e-2f) (seq { 0 .. l.D - 1 })
            not far || values[b] > 0.0f, fun () -> $"example {b}: KL {values[b]} away from the prior" ]
        |> allHold

    [<Property>]
    let ``KL is additive over latent dimensions`` (l: Latents) =
        // Split the D dimensions into the first one and the rest; the sums must agree.
        (l.D > 1) ==> lazy (
            let whole = kl l
            let pick (src: float32[]) lo hi = [| for b in 0 .. l.B - 1 do for d in lo .. hi -> src[b * l.D + d] |]
            let first = kl { l with D = 1; Mu = pick l.Mu 0 0; LogVar = pick l.LogVar 0 0 }
            let rest = kl { l with D = l.D - 1; Mu = pick l.Mu 1 (l.D - 1); LogVar = pick l.LogVar 1 (l.D - 1) }
            allHold [ for b in 0 .. l.B - 1 ->
                        abs (whole[b] - (first[b] + rest[b])) <= 1e-4f * max 1.0f (abs whole[b]),
                        fun () -> $"example {b}: KL {whole[b]}, first dimension {first[b]} + the rest {rest[b]}" ])

    [<Property>]
    let ``KL matches MathNet numerical integration within 1e-4 relative plus 1e-4 absolute`` (l: Latents) =
        let got = kl l
        [ for b in 0 .. l.B - 1 ->
            let dims = [ for d in 0 .. l.D - 1 -> float l.Mu[b * l.D + d], float l.LogVar[b * l.D + d] ]
            // Integration is accurate for moderate σ; extreme cases are covered by the closed-form check below.
            if dims |> List.exists (fun (_, lv) -> lv < -8.0 || lv > 6.0) then true, (fun () -> "")
            else
                let expected = dims |> List.sumBy (fun (m, lv) -> klByIntegration m lv)
                abs (float got[b] - expected) <= 1e-4 * abs expected + 1e-4, fun () -> $"example {b}: KL {got[b]}, integration {expected}" ]
        |> allHold

    [<Property>]
    let ``KL matches a double-precision closed form even for extreme log-variances`` (l: Latents) =
        let got = kl l
        [ for b in 0 .. l.B - 1 ->
            let expected = Seq.sum (seq { for d in 0 .. l.D - 1 -> let m, lv = float l.Mu[b * l.D + d], float l.LogVar[b * l.D + d] in 0.5 * (exp lv + m * m - 1.0 - lv) })
            abs (float got[b] - expected) <= 1e-5 * abs expected + 1e-3, fun () -> $"example {b}: KL {got[b]}, closed form in doubles {expected}" ]
        |> allHold

    [<Fact>]
    let ``KL is exactly zero at the prior`` () =
        use kl = VaeLoss.KlStandardNormal(torch.zeros(3L, 4L), torch.zeros(3L, 4L))
        Assert.Equal<float32[]>([| 0.0f; 0.0f; 0.0f |], kl.data<float32>().ToArray())
