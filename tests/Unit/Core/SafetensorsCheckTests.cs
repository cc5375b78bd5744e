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
    public void A_tensor_without_a_dtype_value_is_refused_as_not_F32()
    {
        using var dir = new TempDir();
        string ckpt = Damaged(dir, (h, d) => { h["decoder.hidden.weight"]!["dtype"] = null; return (h, d); });
        Assert.Contains("stores 'decoder.hidden.weight' as , not F32", LoadError(ckpt));
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
    public void Of_two_tensors_sharing_a_range_the_later_name_is_said_to_overlap_the_earlier()
    {
        using var dir = new TempDir();
        string ckpt = Damaged(dir, (h, d) =>
        {
            h["decoder.hidden.bias"]!["data_offsets"] = h["encoder.hidden.bias"]!["data_offsets"]!.DeepClone();  // both [32]
            return (h, d);
        });
        Assert.Contains("model.safetensors lets 'encoder.hidden.bias' overlap 'decoder.hidden.bias'", LoadError(ckpt));
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

    const string Hidden = "decoder.hidden.weight"; // [32, 2]: 256 bytes of F32

    static long Offset(JsonObject h, int i) => h[Hidden]!["data_offsets"]![i]!.GetValue<long>();

    [Fact]
    public void A_file_shorter_than_the_header_length_field_is_refused()
    {
        using var dir = new TempDir();
        string ckpt = Damaged(dir, (h, d) => (h, d));
        File.WriteAllBytes(Path.Combine(ckpt, "model.safetensors"), [1, 2, 3, 4, 5]);
        Assert.Equal($"{ckpt}: model.safetensors is shorter than its 8-byte header length; the file is damaged or belongs to another model", LoadError(ckpt));
    }

    [Fact]
    public void A_header_one_byte_longer_than_the_rest_of_the_file_is_refused_and_one_that_fills_it_is_read()
    {
        using var dir = new TempDir();
        string ckpt = Damaged(dir, (h, d) => (h, []));  // no data section: the header ends the file
        string path = Path.Combine(ckpt, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(path);
        string error = LoadError(ckpt);
        Assert.Contains("model.safetensors places '", error);
        Assert.Contains("of a 0-byte data section", error);

        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(bytes.Length - 8 + 1));
        File.WriteAllBytes(path, bytes);
        Assert.Contains($"declares a header of {bytes.Length - 7:N0} bytes in a file of {bytes.Length:N0}", LoadError(ckpt));
    }

    [Fact]
    public void Metadata_and_any_order_of_the_entries_are_accepted()
    {
        using var dir = new TempDir();
        string ckpt = Damaged(dir, (h, d) =>
        {
            var reversed = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
            foreach (var (name, entry) in h.Reverse().ToList()) reversed[name] = entry!.DeepClone();
            return (reversed, d);
        });
        var (model, _) = Checkpoint.LoadModel(ckpt, torch.CPU);
        using (model)
        using (var original = Trainer.CreateModel(Synthetic.SmallConv, 3, torch.CPU))
            Assert.Equal(Synthetic.Weights(original), Synthetic.Weights(model));
    }

    [Fact]
    public void A_tensor_the_model_does_not_have_is_named()
    {
        using var dir = new TempDir();
        string ckpt = Damaged(dir, (h, d) => { h["extra"] = h[Hidden]!.DeepClone(); return (h, d); });
        Assert.Contains("model.safetensors holds a tensor 'extra' that the model does not have", LoadError(ckpt));
    }

    [Fact]
    public void A_missing_tensor_is_named()
    {
        using var dir = new TempDir();
        string ckpt = Damaged(dir, (h, d) => { h.Remove(Hidden); return (h, d); });
        Assert.Contains($"model.safetensors lacks the tensor '{Hidden}'", LoadError(ckpt));
    }

    [Fact]
    public void A_header_that_is_not_json_or_lacks_a_field_is_not_valid_safetensors_json()
    {
        using var dir = new TempDir();
        string ckpt = Damaged(dir, (h, d) => { h[Hidden]!.AsObject().Remove("dtype"); return (h, d); });
        Assert.Contains("model.safetensors has a header that is not valid safetensors JSON (", LoadError(ckpt));

        string path = Path.Combine(ckpt, "model.safetensors");
        byte[] notJson = [8, 0, 0, 0, 0, 0, 0, 0, .. Encoding.ASCII.GetBytes("not json")];
        File.WriteAllBytes(path, notJson);
        Assert.Contains("model.safetensors has a header that is not valid safetensors JSON (", LoadError(ckpt));
    }

    [Theory]
    [InlineData("three")]     // [begin, end, end]
    [InlineData("negative")]  // [-256, 0]: the right size, before the data section
    [InlineData("beyond")]    // [n, n + 256]: the right size, past the data section
    [InlineData("short")]     // [begin, end - 4]
    public void Offsets_that_are_not_one_range_of_the_right_size_inside_the_data_section_are_named(string damage)
    {
        using var dir = new TempDir();
        long dataLength = 0;
        string ckpt = Damaged(dir, (h, d) =>
        {
            dataLength = d.Length;
            long begin = Offset(h, 0), end = Offset(h, 1);
            h[Hidden]!["data_offsets"] = damage switch
            {
                "three" => new JsonArray(begin, end, end),
                "negative" => new JsonArray(-256, 0),
                "beyond" => new JsonArray(d.Length, d.Length + 256),
                _ => new JsonArray(begin, end - 4),
            };
            return (h, d);
        });
        // The offsets as written, read back from the damaged file.
        var header = JsonNode.Parse(Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(ckpt, "model.safetensors"))[8..^(int)dataLength]))!.AsObject();
        var shown = header[Hidden]!["data_offsets"]!.AsArray().Select(o => o!.GetValue<long>()).ToArray();
        Assert.Contains($"model.safetensors places '{Hidden}' at bytes [{string.Join(", ", shown)}] of a {dataLength:N0}-byte data section, where 256 bytes are needed", LoadError(ckpt));
    }

    [Fact]
    public void Bytes_after_the_last_tensor_are_refused_with_both_lengths()
    {
        using var dir = new TempDir();
        long dataLength = 0;
        string ckpt = Damaged(dir, (h, d) => { dataLength = d.Length; return (h, [.. d, 0, 0, 0, 0]); });
        Assert.Contains($"model.safetensors has a {dataLength + 4:N0}-byte data section, but its tensors take {dataLength:N0}", LoadError(ckpt));
    }
}
