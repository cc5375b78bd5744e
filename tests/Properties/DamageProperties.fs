/// Hostile files: damaged MAT files and damaged checkpoint weights either read correctly or raise the reader's own
/// one-line error, and never allocate more than a fixed bound, whatever a header claims.
module Vae.Tests.Properties.DamageProperties

open System
open System.IO
open System.IO.Compression
open FsCheck.Xunit
open FsCheck
open FsCheck.FSharp
open TorchSharp
open Vae.Core.Checkpoints
open Vae.Core.Config
open Vae.Core.Training
open Vae.Data
open Vae.Data.Formats

/// Far above what an honest read of these small files needs, far below what the lies below claim (up to ~1e13 bytes).
let private allocationBound = 256L <<< 20

type Damage =
    | Flip of index: int * mask: byte
    | Drop of count: int
    | Append of bytes: byte[]
    /// A 4-byte word overwritten with a size-like value: how a lying header looks.
    | Lie of index: int * value: uint32

let private damage =
    Gen.oneof [
        Gen.map2 (fun i m -> Flip(i, byte (max 1 m))) (Gen.choose (0, 100_000)) (Gen.choose (1, 255))
        Gen.map Drop (Gen.choose (1, 64))
        Gen.map Append (Gen.arrayOfLength 5 (Gen.choose (0, 255) |> Gen.map byte))
        Gen.map2 (fun i v -> Lie(i, v)) (Gen.choose (0, 100_000)) (Gen.elements [ 0x7FFFFFF0u; 0xFFFFFFFFu; 0x80000000u; 150_000u; 73_258u; 1u <<< 28 ])
    ]

let private apply hurt (bytes: byte[]) =
    match hurt with
    | Flip(i, m) -> let c = Array.copy bytes in c[i % c.Length] <- c[i % c.Length] ^^^ m; c
    | Drop k -> bytes[.. max 0 (bytes.Length - 1 - k)]
    | Append extra -> Array.append bytes extra
    | Lie(i, v) ->
        let c = Array.copy bytes
        let at = (i % (c.Length / 4)) * 4
        BitConverter.GetBytes(v).CopyTo(c, at)
        c

let private withTemp (f: string -> 'a) =
    let dir = Directory.CreateTempSubdirectory("vae-damage").FullName
    try f dir finally Directory.Delete(dir, true)

/// Allocation on this thread while f runs (the readers allocate their arrays on the calling thread).
let private allocated (f: unit -> 'a) =
    let before = GC.GetAllocatedBytesForCurrentThread()
    let result = f ()
    result, GC.GetAllocatedBytesForCurrentThread() - before

/// A MATLAB 5.0 file (MathWorks, "MAT-File Format"): 128-byte header, then miMATRIX elements, optionally zlib-compressed.
module private MatWriter =
    let private tag (t: int) (size: int) = Array.append (BitConverter.GetBytes t) (BitConverter.GetBytes(uint32 size))
    let private pad8 (b: byte[]) = Array.append b (Array.zeroCreate ((8 - b.Length % 8) % 8))

    let private matrix (name: string) (classId: byte) (dims: int[]) (dataType: int) (data: byte[]) (claimedBytes: int64) =
        let body =
            Array.concat [
                tag 6 8; [| classId; 0uy; 0uy; 0uy; 0uy; 0uy; 0uy; 0uy |]
                tag 5 (4 * dims.Length); pad8 (dims |> Array.collect BitConverter.GetBytes)
                tag 1 name.Length; pad8 (Text.Encoding.ASCII.GetBytes name)
                tag dataType (int claimedBytes); pad8 data ]
        Array.append (tag 14 body.Length) body

    let private compress (element: byte[]) =
        use z = new MemoryStream()
        (use zlib = new ZLibStream(z, CompressionLevel.Fastest, true) in zlib.Write(element, 0, element.Length))
        Array.append (tag 15 (int z.Length)) (z.ToArray())

    /// An SVHN-shaped file: X uint8 [32, 32, 3, claimed], y double [n, 1] with labels 1..10; X's header claims
    /// `claimed` images (its dimensions and its data size agree on the lie) while the file holds n.
    let svhn (pixels: byte[]) (labels: double[]) (claimed: int) compressed =
        let n = labels.Length
        let header = Array.zeroCreate<byte> 128
        Text.Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, Vae properties").CopyTo(header, 0)
        header[125] <- 1uy; header[126] <- byte 'I'; header[127] <- byte 'M'
        let x = matrix "X" 9uy [| 32; 32; 3; claimed |] 2 pixels (int64 claimed * 3072L)
        let yBytes = labels |> Array.collect BitConverter.GetBytes
        let y = matrix "y" 6uy [| n; 1 |] 9 yBytes yBytes.LongLength
        let wrap = if compressed then compress else id
        Array.concat [ header; wrap x; wrap y ]

let private svhnFiles =
    gen {
        let! n = Gen.choose (1, 3)
        let! pixels = Gen.arrayOfLength (n * 3072) (Gen.choose (0, 255) |> Gen.map byte)
        let! labels = Gen.arrayOfLength n (Gen.choose (1, 10) |> Gen.map double)
        let! compressed = Gen.elements [ false; true ]
        // Mostly honest; sometimes X claims up to 600,000 images (1.8 GB) in a file of a few kilobytes.
        let! claimed = Gen.frequency [ 3, Gen.constant n; 1, Gen.elements [ 73_257; 150_000; 600_000 ] ]
        return MatWriter.svhn pixels labels claimed compressed, n
    }

module Mat =
    [<Property(MaxTest = 1000)>]
    let ``Damaged or lying MAT files either read whole or raise the reader's error, within a fixed allocation`` () =
        Prop.forAll (Arb.fromGen (Gen.zip svhnFiles damage)) (fun ((bytes, _), hurt) ->
            withTemp (fun dir ->
                let path = Path.Combine(dir, "x.mat")
                File.WriteAllBytes(path, apply hurt bytes)
                let ok, bytesAllocated =
                    allocated (fun () ->
                        try
                            let struct (pixels, labels) = SvhnFile.Read(path)
                            pixels.Length = labels.Length * 3072 && labels |> Array.forall (fun l -> l >= 0L && l <= 9L)
                        with :? DatasetException as e -> not (e.Message.Contains '\n'))
                ok && bytesAllocated < allocationBound))

/// A small model's checkpoint, made once; its weights file is what the property damages.
let private checkpoint =
    lazy
        let dir = Directory.CreateTempSubdirectory("vae-damage-ckpt").FullName
        let config = ModelConfig(ConvChannels = [| 4; 8 |], HiddenDim = 16)
        use model = Trainer.CreateModel(config, 1L, torch.CPU)
        Checkpoint.Save(dir, model, null, null, TrainingConfig(Epochs = 1), [||])
        dir

module Safetensors =
    [<Property(MaxTest = 300)>]
    let ``Damaged or lying weights either load finite and whole or raise the checkpoint error, within a fixed allocation`` () =
        let source = checkpoint.Force()
        let weights = File.ReadAllBytes(Path.Combine(source, "model.safetensors"))
        Prop.forAll (Arb.fromGen damage) (fun hurt ->
            withTemp (fun dir ->
                // Without the manifest (as a legacy folder) the SHA-256 check cannot catch the damage: the reader must.
                for f in [ "trainer.json"; "optimizer.pt" ] do
                    if File.Exists(Path.Combine(source, f)) then File.Copy(Path.Combine(source, f), Path.Combine(dir, f))
                File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), apply hurt weights)
                let ok, bytesAllocated =
                    allocated (fun () ->
                        try
                            let loaded = Checkpoint.LoadModel(dir, torch.CPU)
                            use model = loaded.Model
                            model.parameters() |> Seq.forall (fun p -> p.isfinite().all().item<bool>())
                        with :? CheckpointException as e -> not (e.Message.Contains '\n'))
                ok && bytesAllocated < allocationBound))

module Manifest =
    let private copyCheckpoint (source: string) (dir: string) =
        for f in Directory.GetFiles(source) do File.Copy(f, Path.Combine(dir, Path.GetFileName(f: string) |> string))

    let private oneLine (s: string | null) =
        match s with
        | null -> false
        | text -> not (text.Contains '\n')

    [<Property(MaxTest = 300)>]
    let ``A damaged manifest makes the folder damaged (or leaves it complete when its entries still match), never absent`` () =
        let source = checkpoint.Force()
        let manifest = File.ReadAllBytes(Path.Combine(source, "manifest.json"))
        Prop.forAll (Arb.fromGen damage) (fun hurt ->
            withTemp (fun dir ->
                copyCheckpoint source dir
                let bytes = apply hurt manifest
                File.WriteAllBytes(Path.Combine(dir, "manifest.json"), bytes)
                let status, bytesAllocated = allocated (fun () -> CheckpointStatus.Of(dir))
                let verdict =
                    match status.Condition with
                    | CheckpointCondition.Complete -> status.Folder = dir
                    | CheckpointCondition.Damaged -> oneLine status.Problem && oneLine (status.Error().Message)
                    | _ -> false // the files are there: a damaged manifest is never "no checkpoint"
                Prop.label $"damage {hurt}: {status.Condition} ({status.Problem}), {bytesAllocated:N0} bytes allocated" (verdict && bytesAllocated < allocationBound)))

    /// Manifest entry names: the checkpoint's own files, path tricks, and arbitrary strings.
    let private names =
        Gen.oneof [
            Gen.elements [ "model.safetensors"; "trainer.json"; "optimizer.pt"; "training.safetensors"; "manifest.json" ]
            Gen.elements [ "../trainer.json"; "/etc/hostname"; "/dev/zero"; "./trainer.json"; "sub/model.safetensors"; ""; "trainer.json\u0000" ]
            Gen.arrayOf (Gen.choose (32, 0x2FF) |> Gen.map char) |> Gen.map (fun cs -> String(cs))
        ]

    [<Property(MaxTest = 300)>]
    let ``A manifest is complete only when it lists the weights and trainer.json once each with their true sizes and hashes, and nothing outside them`` () =
        let source = checkpoint.Force()
        let honest =
            match System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(source, "manifest.json"))) with
            | null -> failwith "no manifest"
            | node -> node.AsArray() |> Seq.choose Option.ofObj |> List.ofSeq
        Prop.forAll (Arb.fromGen (Gen.listOf names)) (fun extra ->
            withTemp (fun dir ->
                copyCheckpoint source dir
                let entries = System.Text.Json.Nodes.JsonArray()
                for e in honest do entries.Add(e.DeepClone())
                for name in extra do
                    let copy = honest.Head.DeepClone()
                    copy["Name"] <- System.Text.Json.Nodes.JsonValue.Create(name)
                    entries.Add(copy)
                File.WriteAllText(Path.Combine(dir, "manifest.json"), entries.ToJsonString())
                let status = CheckpointStatus.Of(dir)
                // Any added entry repeats a listed name, names a file that is not there, a file of another hash, or a
                // name a checkpoint never holds: each is damage. Only the honest manifest itself is complete.
                if List.isEmpty extra then status.Condition = CheckpointCondition.Complete
                else status.Condition = CheckpointCondition.Damaged && oneLine status.Problem))

    [<Xunit.Fact>]
    let ``The F# face tells the three states of a folder apart`` () =
        let source = checkpoint.Force()
        withTemp (fun dir ->
            let ckpt = Path.Combine(dir, "ckpt")
            Xunit.Assert.Equal(Vae.FSharp.NoCheckpoint, Vae.FSharp.Checkpoint.status ckpt)
            Directory.CreateDirectory ckpt |> ignore
            copyCheckpoint source ckpt
            Xunit.Assert.Equal(Vae.FSharp.Complete ckpt, Vae.FSharp.Checkpoint.status ckpt)
            let weights = Path.Combine(ckpt, "model.safetensors")
            let bytes = File.ReadAllBytes weights
            bytes[bytes.Length - 1] <- bytes[bytes.Length - 1] ^^^ 1uy
            File.WriteAllBytes(weights, bytes)
            Xunit.Assert.Equal(Vae.FSharp.Damaged "model.safetensors does not match its manifest.json: another size or SHA-256", Vae.FSharp.Checkpoint.status ckpt))
