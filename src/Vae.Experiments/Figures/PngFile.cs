using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing.Processors.Quantization;
using Vae.Core.Files;

namespace Vae.Experiments.Figures;

/// <summary>
/// The one place where figures become PNG files, atomically and compactly: image grids whose pixels are all grey
/// are written as 8-bit greyscale, colour grids as RGB, charts as 256-colour palette images (Wu quantiser, no
/// dithering, so the same pixels always give the same bytes). This keeps results/ small enough to travel.
/// </summary>
internal static class PngFile
{
    /// <summary>Saves an image grid: greyscale when every pixel has R = G = B, else RGB; maximum compression.</summary>
    public static void SaveGrid(Image<Rgb24> image, string path)
    {
        bool grey = true;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height && grey; y++)
                foreach (var p in rows.GetRowSpan(y))
                    if (p.R != p.G || p.G != p.B) { grey = false; break; }
        });
        var encoder = new PngEncoder
        {
            ColorType = grey ? PngColorType.Grayscale : PngColorType.Rgb,
            BitDepth = PngBitDepth.Bit8,
            CompressionLevel = PngCompressionLevel.BestCompression,
        };
        Save(image, encoder, path);
    }

    /// <summary>Saves a rendered chart (PNG bytes from the plotting library) as a 256-colour palette PNG.</summary>
    public static void SaveChart(byte[] png, string path)
    {
        using var image = Image.Load<Rgba32>(png);
        SaveChart(image, path);
    }

    /// <summary>Saves a chart image (e.g. tiled chart panels) as a 256-colour palette PNG.</summary>
    public static void SaveChart(Image image, string path)
    {
        var encoder = new PngEncoder
        {
            ColorType = PngColorType.Palette,
            BitDepth = PngBitDepth.Bit8,
            CompressionLevel = PngCompressionLevel.BestCompression,
            Quantizer = new WuQuantizer(new QuantizerOptions { Dither = null, MaxColors = 256 }),
        };
        Save(image, encoder, path);
    }

    static void Save(Image image, PngEncoder encoder, string path)
    {
        using var buffer = new MemoryStream();
        image.SaveAsPng(buffer, encoder);
        AtomicFile.WriteBytes(path, buffer.ToArray()); // unchanged pixels leave the file untouched
    }
}
