/// First properties: the analytic KL term against its definition.
module Vae.Tests.Properties.KlProperties

open Xunit
open FsCheck.Xunit
open FsCheck
open FsCheck.FSharp
open TorchSharp
open Vae.Core.Losses
open Vae.Tests.Properties.Generators

/// KL(N(μ, σ²) ‖ N(0, 1)) for one dimension, in double precision, from the textbook formula
/// ½ (σ² + μ² − 1 − log σ²) (Kingma and Welling 2013, App. B).
let klReference (mu: float) (logVar: float) = 0.5 * (exp logVar + mu * mu - 1.0 - logVar)

[<Properties(Arbitrary = [| typeof<Arbs> |], MaxTest = 200)>]
module Kl =
    [<Property>]
    let ``KL is non-negative for every example`` (l: Latents) =
        use kl = VaeLoss.KlStandardNormal(tensor l.Mu [| int64 l.B; int64 l.D |], tensor l.LogVar [| int64 l.B; int64 l.D |])
        kl.data<float32>().ToArray() |> Array.forall (fun v -> v >= 0.0f)

    [<Property>]
    let ``KL matches a double-precision reference within 1e-5 relative plus 1e-4 absolute`` (l: Latents) =
        use kl = VaeLoss.KlStandardNormal(tensor l.Mu [| int64 l.B; int64 l.D |], tensor l.LogVar [| int64 l.B; int64 l.D |])
        let got = kl.data<float32>().ToArray()
        [ for b in 0 .. l.B - 1 ->
            let expected = Seq.sum (seq { for d in 0 .. l.D - 1 -> klReference (float l.Mu[b * l.D + d]) (float l.LogVar[b * l.D + d]) })
            abs (float got[b] - expected) <= 1e-5 * abs expected + 1e-4 ]
        |> List.forall id

    [<Fact>]
    let ``KL is exactly zero at the prior`` () =
        use kl = VaeLoss.KlStandardNormal(torch.zeros(3L, 4L), torch.zeros(3L, 4L))
        Assert.Equal<float32[]>([| 0.0f; 0.0f; 0.0f |], kl.data<float32>().ToArray())
