/// The IDX reader: round trips, and damaged files either read or raise the reader's own error.
module Vae.Tests.Properties.IdxProperties

open System
open System.IO
open FsCheck.Xunit
open FsCheck
open FsCheck.FSharp
open Vae.Data
open Vae.Data.Formats

let private images =
    gen {
        let! n = Gen.choose (1, 6)
        let! h = Gen.choose (1, 9)
        let! w = Gen.choose (1, 9)
        let! data = Gen.arrayOfLength (n * h * w) (Gen.choose (0, 255) |> Gen.map byte)
        let! gzip = Gen.elements [ false; true ]
        return [| n; h; w |], data, gzip
    }

type Damage =
    | Flip of index: int * mask: byte
    | Drop of count: int
    | Append of bytes: byte[]

let private damage =
    Gen.oneof [
        Gen.map2 (fun i m -> Flip(i, byte (max 1 m))) (Gen.choose (0, 10_000)) (Gen.choose (1, 255))
        Gen.map Drop (Gen.choose (1, 40))
        Gen.map Append (Gen.arrayOfLength 3 (Gen.choose (0, 255) |> Gen.map byte))
    ]

let private withFile (f: string -> 'a) =
    let path = Path.Combine(Path.GetTempPath(), $"vae-idx-{Guid.NewGuid():N}")
    try f path finally if File.Exists path then File.Delete path

module Idx =
    [<Property(MaxTest = 200)>]
    let ``Random images written as IDX, raw or gzip, read back unchanged`` () =
        Prop.forAll (Arb.fromGen images) (fun (dims, data, gzip) ->
            withFile (fun path ->
                IdxFormat.Write(path, dims, ReadOnlySpan data, gzip)
                let file = IdxFormat.Read(path, 3)
                List.ofSeq file.Dimensions = List.ofArray dims && file.Data = data))

    [<Property(MaxTest = 1000)>]
    let ``Flipped, dropped or appended bytes either read or raise the reader's own error`` () =
        Prop.forAll (Arb.fromGen (Gen.zip images damage)) (fun ((dims, data, gzip), hurt) ->
            withFile (fun path ->
                IdxFormat.Write(path, dims, ReadOnlySpan data, gzip)
                let bytes = File.ReadAllBytes path
                let damaged =
                    match hurt with
                    | Flip(i, m) -> let c = Array.copy bytes in c[i % c.Length] <- c[i % c.Length] ^^^ m; c
                    | Drop k -> bytes[.. max 0 (bytes.Length - 1 - k)]
                    | Append extra -> Array.append bytes extra
                File.WriteAllBytes(path, damaged)
                try
                    let file = IdxFormat.Read(path, 3)
                    file.Data.Length = (file.Dimensions |> Seq.fold (*) 1)
                with
                | :? DatasetException -> true))

    [<Property(MaxTest = 200)>]
    let ``A raw file with bytes dropped from its end is always reported as truncated, never read as complete`` () =
        Prop.forAll (Arb.fromGen (Gen.zip images (Gen.choose (1, 40)))) (fun ((dims, data, _), drop) ->
            withFile (fun path ->
                IdxFormat.Write(path, dims, ReadOnlySpan data, false)
                let bytes = File.ReadAllBytes path
                File.WriteAllBytes(path, bytes[.. max 0 (bytes.Length - 1 - drop)])
                try
                    IdxFormat.Read(path, 3) |> ignore
                    false
                with
                | :? DatasetException as e -> e.Kind = DatasetErrorKind.Truncated))

    [<Property(MaxTest = 200)>]
    let ``A complete gzip stream holding fewer bytes than its header declares is always reported as truncated`` () =
        Prop.forAll (Arb.fromGen (Gen.zip images (Gen.choose (1, 40)))) (fun ((dims, data, _), drop) ->
            withFile (fun path ->
                IdxFormat.Write(path, dims, ReadOnlySpan data, false)
                let raw = File.ReadAllBytes path
                let cut = raw[.. max 0 (raw.Length - 1 - drop)]
                do
                    use file = File.Create path
                    use gz = new Compression.GZipStream(file, Compression.CompressionLevel.Fastest)
                    gz.Write(cut, 0, cut.Length)
                try
                    IdxFormat.Read(path, 3) |> ignore
                    false
                with
                | :? DatasetException as e -> e.Kind = DatasetErrorKind.Truncated))
