using System.Buffers.Binary;
using System.Text.Json;
using Vae.Core.Models;

namespace Vae.Core.Checkpoints;

/// <summary>
/// Checks a safetensors file against the model it is loaded into before any weight is read: a bounded header, every
/// parameter present with exactly its shape and dtype F32, no other tensors, offsets inside the data section and not
/// overlapping, and the data section exactly as long as the tensors. Safetensors layout: an 8-byte little-endian header
/// length, a JSON header { name: { dtype, shape, data_offsets: [begin, end] } }, then the data.
/// </summary>
internal static class SafetensorsCheck
{
    /// <summary>The largest header accepted (ours are a few kB): a lying length never becomes an allocation.</summary>
    const long MaxHeaderBytes = CheckpointFiles.MaxSafetensorsHeader;

    /// <summary>Throws <see cref="CheckpointException"/> naming the first problem.</summary>
    public static void Validate(string path, string dir, VariationalAutoencoder model)
    {
        CheckpointException Bad(string what) => new($"{dir}: {Path.GetFileName(path)} {what}; the file is damaged or belongs to another model");
        using var file = Vae.Core.Files.RegularFile.OpenRead(path, CheckpointFiles.MaxBytes(CheckpointFiles.Weights), "a weights file",
            p => new CheckpointException($"{dir}: {Path.GetFileName(path)} {p}; the file is damaged or not a checkpoint's"));
        var lengthBytes = new byte[8];
        if (file.Read(lengthBytes, 0, 8) != 8) throw Bad("is shorter than its 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)Math.Min(MaxHeaderBytes, file.Length - 8)) throw Bad($"declares a header of {headerLength:N0} bytes in a file of {file.Length:N0}");
        var header = new byte[headerLength];
        file.ReadExactly(header);
        long dataLength = file.Length - 8 - (long)headerLength;

        var expected = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        var ranges = new List<(long Begin, long End, string Name)>();
        try
        {
            using var json = JsonDocument.Parse(header);
            foreach (var entry in json.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__") continue;
                if (!expected.TryGetValue(entry.Name, out var shape)) throw Bad($"holds a tensor '{entry.Name}' that the model does not have");
                string dtype = entry.Value.GetProperty("dtype").GetString() ?? "";
                if (dtype != "F32") throw Bad($"stores '{entry.Name}' as {dtype}, not F32");
                var stored = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                if (!stored.SequenceEqual(shape)) throw Bad($"gives '{entry.Name}' the shape [{string.Join(", ", stored)}], the model's is [{string.Join(", ", shape)}]");
                var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                long bytes = 4 * shape.Aggregate(1L, (a, b) => a * b);
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] > dataLength || offsets[1] - offsets[0] != bytes)
                    throw Bad($"places '{entry.Name}' at bytes [{string.Join(", ", offsets)}] of a {dataLength:N0}-byte data section, where {bytes:N0} bytes are needed");
                ranges.Add((offsets[0], offsets[1], entry.Name));
                expected.Remove(entry.Name);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw Bad($"has a header that is not valid safetensors JSON ({e.Message.Split('\n')[0]})");
        }
        if (expected.Count > 0) throw Bad($"lacks the tensor '{expected.Keys.First()}'");
        ranges.Sort();
        long covered = 0;
        for (int i = 0; i < ranges.Count; i++)
        {
            if (i > 0 && ranges[i].Begin < ranges[i - 1].End) throw Bad($"lets '{ranges[i].Name}' overlap '{ranges[i - 1].Name}'");
            covered += ranges[i].End - ranges[i].Begin;
        }
        if (covered != dataLength) throw Bad($"has a {dataLength:N0}-byte data section, but its tensors take {covered:N0}");
    }
}
