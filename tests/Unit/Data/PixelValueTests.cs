using System.IO.Compression;
using Vae.Data;
using Vae.Data.Acquisition;
using Xunit;

namespace Vae.Tests.Unit.Data;

/// <summary>Known bytes land exactly in the tensor: pixel value v becomes v / 255, at its place, label for label.</summary>
public sealed class PixelValueTests
{
    [Fact]
    public void MNIST_test_pixels_and_labels_equal_the_file_bytes_read_here()
    {
        var split = DatasetStore.Load("mnist", Split.Test, new DataOptions(AllowPackageManagers: true));
        using var loaded = split.Dataset;
        var files = split.Files;
        byte[] Raw(string path)
        {
            using var file = File.OpenRead(path);
            using var ms = new MemoryStream();
            bool gzip = file.ReadByte() == 0x1f; file.Position = 0;
            (gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file).CopyTo(ms);
            return ms.ToArray();
        }
        byte[] images = Raw(files[0].Path), labels = Raw(files[1].Path);
        float[] pixels = loaded.Images.data<float>().ToArray();   // [10000, 1, 28, 28] row-major
        long[] tensorLabels = loaded.Labels.data<long>().ToArray();
        // IDX: 16 header bytes, then image-major, row-major pixels; labels after an 8-byte header.
        int full = Array.IndexOf(images, (byte)255, 16) - 16, mid = Array.FindIndex(images, 16, b => b is > 100 and < 150) - 16;
        Assert.Equal(1.0f, pixels[full]);
        Assert.Equal(images[16 + mid] / 255f, pixels[mid]);
        Assert.Equal(0f, pixels[0]); // the top-left pixel of the first image is background
        foreach (int i in new[] { 0, 1, 4_321, 9_999 })
        {
            Assert.Equal(labels[8 + i], tensorLabels[i]);
            int p = i * 784 + 14 * 28 + 14;                          // the centre pixel of image i
            Assert.Equal(images[16 + p] / 255f, pixels[p]);
        }
    }
}
