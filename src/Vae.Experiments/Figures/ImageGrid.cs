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
        var grid = Vae.Core.Evaluation.SampleGrid.Layout(images, columns, scale); // the library's layout, encoded compactly here
        using var image = grid.Channels == 1
            ? Image.LoadPixelData<L8>(grid.Pixels, grid.Width, grid.Height).CloneAs<Rgb24>()
            : Image.LoadPixelData<Rgb24>(grid.Pixels, grid.Width, grid.Height);
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

