using System.Buffers.Binary;
using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace Vae.Core.Evaluation;

/// <summary>Pixels of an image grid: <see cref="Channels"/> bytes per pixel (1 grey, 3 RGB), row-major, top row first.</summary>
/// <param name="Width">Grid width in pixels.</param>
/// <param name="Height">Grid height in pixels.</param>
/// <param name="Channels">Bytes per pixel: 1 (grey) or 3 (RGB).</param>
/// <param name="Pixels">Width · Height · Channels bytes.</param>
public sealed record GridPixels(int Width, int Height, int Channels, byte[] Pixels);

/// <summary>
/// Image grids of samples, reconstructions or data as PNG files, with no imaging library: each image in its cell,
/// each pixel a <c>scale</c>×<c>scale</c> block, 2-pixel white gutters; 8-bit greyscale for one channel, RGB for three.
/// </summary>
public static class SampleGrid
{
    const int Gutter = 2;

    /// <summary>
    /// Writes <paramref name="images"/> [N, C, H, W] with values in [0, 1] (C = 1 or 3; clamped) as a PNG grid of
    /// <paramref name="columns"/> columns. The file appears complete or not at all (written beside it, then renamed).
    /// </summary>
    /// <exception cref="ArgumentException">Not [N, C, H, W] with C of 1 or 3, or columns or scale below 1.</exception>
    public static void Save(Tensor images, int columns, string path, int scale = 2)
    {
        var grid = Layout(images, columns, scale);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = $"{full}.{Environment.ProcessId}.tmp";
        try
        {
            File.WriteAllBytes(temp, Png(grid));
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Images in [0, 1] as bytes 0–255 (clamped, rounded), on the CPU; [N, C, H, W] → [N, C, H, W] uint8.</summary>
    public static Tensor Quantize(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        return scope.MoveToOuter(images.detach().cpu().clamp(0, 1).mul(255).round().to_type(ScalarType.Byte));
    }

    /// <summary>
    /// The grid's pixels, in the layout <see cref="Save"/> writes, for an application that encodes them its own way (the CLI
    /// writes them with ImageSharp): <paramref name="images"/> [N, C, H, W] in [0, 1], <paramref name="columns"/> cells a row,
    /// each pixel a <paramref name="scale"/>×<paramref name="scale"/> block.
    /// </summary>
    /// <exception cref="ArgumentException">Not [N, C, H, W] with C of 1 or 3, or columns or scale below 1.</exception>
    public static GridPixels Layout(Tensor images, int columns, int scale)
    {
        if (images.dim() != 4 || images.shape[1] is not (1 or 3))
            throw new ArgumentException($"images must be [N, C, H, W] with C = 1 or 3, got [{string.Join(", ", images.shape)}]", nameof(images));
        if (columns < 1 || scale < 1) throw new ArgumentException($"columns and scale must be at least 1, got {columns} and {scale}");
        using var bytes = Quantize(images).contiguous(); // [N, C, H, W]
        int n = (int)bytes.shape[0], c = (int)bytes.shape[1], h = (int)bytes.shape[2], w = (int)bytes.shape[3];
        byte[] data = bytes.data<byte>().ToArray();
        int rows = Math.Max(1, (n + columns - 1) / columns), cellW = w * scale, cellH = h * scale;
        int width = Gutter + columns * (cellW + Gutter), height = Gutter + rows * (cellH + Gutter);
        var pixels = new byte[width * height * c];
        Array.Fill(pixels, (byte)255);
        for (int i = 0; i < n; i++)
        {
            int x0 = Gutter + i % columns * (cellW + Gutter), y0 = Gutter + i / columns * (cellH + Gutter);
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        byte v = data[((i * c + ch) * h + y) * w + x];
                        for (int dy = 0; dy < scale; dy++)
                            for (int dx = 0; dx < scale; dx++)
                                pixels[((y0 + y * scale + dy) * width + x0 + x * scale + dx) * c + ch] = v;
                    }
        }
        return new GridPixels(width, height, c, pixels);
    }

    // PNG (ISO/IEC 15948): signature, IHDR, one zlib-compressed IDAT of filter-0 scanlines, IEND.
    internal static byte[] Png(GridPixels grid)
    {
        var raw = new MemoryStream();
        int stride = grid.Width * grid.Channels;
        for (int y = 0; y < grid.Height; y++)
        {
            raw.WriteByte(0);
            raw.Write(grid.Pixels, y * stride, stride);
        }
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true)) raw.WriteTo(z);

        var png = new MemoryStream();
        png.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, grid.Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), grid.Height);
        header[8] = 8;                                   // bit depth
        header[9] = (byte)(grid.Channels == 1 ? 0 : 2);  // colour type: greyscale or RGB
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        s.Write(word);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        s.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndData));
        s.Write(word);
    }

    static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    static uint Crc32(byte[] bytes)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in bytes) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
