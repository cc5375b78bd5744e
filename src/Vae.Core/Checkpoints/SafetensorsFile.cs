using System.Text;
using System.Text.Json;
using TorchSharp;
using Vae.Core.Models;
using static TorchSharp.torch;

namespace Vae.Core.Checkpoints;

/// <summary>
/// Writes and reads a model's parameters as safetensors (an 8-byte little-endian header length, a JSON header
/// <c>{ name: { dtype, shape, data_offsets } }</c> padded with spaces to a multiple of 8, then the little-endian data),
/// from and to a model on any device: each tensor is copied to the CPU to be written, and each one read is copied into
/// its parameter wherever that lives. (TorchSharp cannot read the bytes of a CUDA tensor, so a writer that reads them
/// directly fails on a GPU.) The file loads with <c>safetensors.torch.load_file</c>.
/// </summary>
internal static class SafetensorsFile
{
    /// <summary>Writes <paramref name="model"/>'s parameters to <paramref name="path"/> in parameter order.</summary>
    public static void Write(string path, VariationalAutoencoder model)
    {
        var tensors = model.named_parameters().ToList();
        var header = new Dictionary<string, object>();
        long offset = 0;
        foreach (var (name, p) in tensors)
        {
            if (p.dtype != ScalarType.Float32) throw new InvalidOperationException($"parameter '{name}' is {p.dtype}; checkpoints hold float32");
            long bytes = p.numel() * 4;
            header[name] = new { dtype = "F32", shape = p.shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8;
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var writer = new BinaryWriter(file);
        writer.Write((ulong)padded);
        writer.Write(json);
        for (int i = json.Length; i < padded; i++) writer.Write((byte)' ');
        foreach (var (_, p) in tensors)
        {
            using var scope = torch.NewDisposeScope();                 // the chain's intermediates too (on a GPU, a full copy)
            writer.Write(p.detach().to(torch.CPU).contiguous().bytes);  // a copy on the CPU, whatever the parameter's device
        }
    }

    /// <summary>
    /// Copies the tensors of <paramref name="path"/> into <paramref name="model"/>'s parameters, on the parameters' device.
    /// The file must have passed <see cref="SafetensorsCheck.Validate"/> for this model (names, shapes, dtype, offsets).
    /// </summary>
    public static void Read(string path, VariationalAutoencoder model)
    {
        using var file = File.OpenRead(path);
        var lengthBytes = new byte[8];
        file.ReadExactly(lengthBytes);
        long headerLength = (long)BitConverter.ToUInt64(lengthBytes);
        var headerBytes = new byte[headerLength];
        file.ReadExactly(headerBytes);
        long dataStart = 8 + headerLength;
        using var header = JsonDocument.Parse(headerBytes);
        using var _ = torch.no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            var offsets = header.RootElement.GetProperty(name).GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var bytes = new byte[offsets[1] - offsets[0]];
            file.Position = dataStart + offsets[0];
            file.ReadExactly(bytes);
            using var host = torch.empty(p.shape, ScalarType.Float32);
            host.bytes = bytes;
            p.copy_(host);  // to the parameter's device
        }
    }
}
