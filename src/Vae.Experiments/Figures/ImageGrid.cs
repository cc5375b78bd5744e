using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace Vae.Experiments.Figures;

/// <summary>Tiles image tensors into one PNG.</summary>
internal static class ImageGrid
{
    /// <summary>
    /// Saves [N, C, H, W] images in [0, 1] (C = 1 grey or 3 RGB) as a grid of <paramref name="columns"/>
    /// columns, each pixel drawn as a <paramref name="scale"/>×<paramref name="scale"/> block, 2-pixel white gutters.
    /// </summary>
    public static void Save(Tensor images, int columns, string path, int scale = 2)
    {
        using var cpu = images.detach().cpu().clamp(0, 1).mul(255).round().to_type(ScalarType.Byte).contiguous(); // [N, C, H, W]
        long n = cpu.shape[0], c = cpu.shape[1], h = cpu.shape[2], w = cpu.shape[3];
        byte[] data = cpu.data<byte>().ToArray();
        int rows = (int)((n + columns - 1) / columns);
        const int gutter = 2;
        int cellW = (int)w * scale, cellH = (int)h * scale;
        using var image = new Image<Rgb24>(gutter + columns * (cellW + gutter), gutter + rows * (cellH + gutter), new Rgb24(255, 255, 255));
        for (int i = 0; i < n; i++)
        {
            int x0 = gutter + (i % columns) * (cellW + gutter), y0 = gutter + (i / columns) * (cellH + gutter);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    long p = i * c * h * w + y * w + x;
                    var color = c == 1 ? new Rgb24(data[p], data[p], data[p]) : new Rgb24(data[p], data[p + h * w], data[p + 2 * h * w]);
                    for (int dy = 0; dy < scale; dy++)
                        for (int dx = 0; dx < scale; dx++) image[x0 + x * scale + dx, y0 + y * scale + dy] = color;
                }
        }
        PngFile.SaveGrid(image, path);
    }

    /// <summary>Tiles chart PNG files row by row, <paramref name="columns"/> per row, on white; saved as a chart.</summary>
    public static void Tile(IReadOnlyList<string> pngs, int columns, string path)
    {
        var panels = pngs.Select(p => Image.Load<Rgb24>(p)).ToList();
        try
        {
            int w = panels.Max(p => p.Width), h = panels.Max(p => p.Height), rows = (panels.Count + columns - 1) / columns;
            using var canvas = new Image<Rgb24>(w * Math.Min(columns, panels.Count), h * rows, new Rgb24(255, 255, 255));
            for (int i = 0; i < panels.Count; i++)
            {
                var panel = panels[i];
                int x0 = (i % columns) * w, y0 = (i / columns) * h;
                canvas.ProcessPixelRows(panel, (dst, src) =>
                {
                    for (int y = 0; y < src.Height; y++) src.GetRowSpan(y).CopyTo(dst.GetRowSpan(y0 + y).Slice(x0));
                });
            }
            PngFile.SaveChart(canvas, path);
        }
        finally
        {
            foreach (var p in panels) p.Dispose();
        }
    }
}

