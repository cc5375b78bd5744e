using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using TorchSharp;
using Vae.Core.Checkpoints;
using Vae.Core.Training;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>Weights must match the model exactly: each damaged or foreign file is one clear error, never a silent load.</summary>
public sealed class SafetensorsCheckTests
{
    /// <summary>A committed-style checkpoint (weights and trainer.json, no manifest) whose weights file is rewritten by <paramref name="edit"/>.</summary>
    static string Damaged(TempDir dir, Func<JsonObject, byte[], (JsonObject Header, byte[] Data)> edit)
    {
        string ckpt = dir.File("ckpt");
        using (var model = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU))
            Checkpoint.Save(ckpt, model, null, null, Synthetic.Fast(1), []);
        File.Delete(Path.Combine(ckpt, "manifest.json"));
        string path = Path.Combine(ckpt, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength))!.AsObject();
        var (newHeader, data) = edit(header, bytes[(8 + headerLength)..]);
        byte[] json = Encoding.UTF8.GetBytes(newHeader.ToJsonString());
        var output = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(output, (ulong)json.Length);
        json.CopyTo(output, 8);
        data.CopyTo(output, 8 + json.Length);
        File.WriteAllBytes(path, output);
        return ckpt;
    }

    static string LoadError(string ckpt) => Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(ckpt, torch.CPU)).Message;

    [Fact]
    public void A_tensor_of_another_shape_is_refused_naming_it()
    {
        using var dir = new TempDir();
        string ckpt = Damaged(dir, (h, d) => { h["decoder.hidden.weight"]!["shape"] = new JsonArray(1, 32); return (h, d); });
        Assert.Contains("gives 'decoder.hidden.weight' the shape [1, 32], the model's is [32, 2]", LoadError(ckpt));
    }

    [Fact]
    public void A_tensor_stored_as_int32_is_refused()
    {
        using var dir = new TempDir();
        string ckpt = Damaged(dir, (h, d) => { h["decoder.hidden.weight"]!["dtype"] = "I32"; return (h, d); });
        Assert.Contains("stores 'decoder.hidden.weight' as I32, not F32", LoadError(ckpt));
    }

    [Fact]
    public void Overlapping_tensors_are_refused()
    {
        using var dir = new TempDir();
        // Two tensors of equal size made to share one range: the data section then has a gap as large as one of them.
        string ckpt = Damaged(dir, (h, d) =>
        {
            static long Size(JsonNode t) => t["data_offsets"]![1]!.GetValue<long>() - t["data_offsets"]![0]!.GetValue<long>();
            var pair = h.SelectMany(a => h.Where(b => string.CompareOrdinal(a.Key, b.Key) < 0 && Size(a.Value!) == Size(b.Value!)).Select(b => (A: a.Key, B: b.Key))).First();
            h[pair.B]!["data_offsets"] = h[pair.A]!["data_offsets"]!.DeepClone();
            return (h, d);
        });
        Assert.Contains("overlap", LoadError(ckpt));
    }

    [Fact]
    public void A_header_length_beyond_the_file_is_refused_without_allocating_it()
    {
        using var dir = new TempDir();
        string ckpt = Damaged(dir, (h, d) => (h, d));
        string path = Path.Combine(ckpt, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 0x7FFFFFF0);
        File.WriteAllBytes(path, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("declares a header of 2,147,483,632 bytes", LoadError(ckpt));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Fact]
    public void Non_finite_weights_are_reported()
    {
        using var dir = new TempDir();
        string ckpt = Damaged(dir, (h, d) =>
        {
            long begin = h["decoder.hidden.weight"]!["data_offsets"]![0]!.GetValue<long>();
            BinaryPrimitives.WriteSingleLittleEndian(d.AsSpan((int)begin), float.NaN);
            return (h, d);
        });
        Assert.Contains("non-finite values (NaN or infinity) in 'decoder.hidden.weight'", LoadError(ckpt));
    }
}
