using TorchSharp;
using Vae.Data;
using Vae.Data.Acquisition;
using Vae.Data.Formats;
using Xunit;

namespace Vae.Tests.Unit.Data;

/// <summary>
/// MAT files that lie about their size fail with one DatasetException before anything of the claimed size is
/// allocated, and honest bytes land exactly in the tensor. Files come from <see cref="SyntheticMat"/>.
/// </summary>
public sealed class MatBoundsTests
{
    const int Image = 32 * 32 * 3;
    const long Bound = 64L << 20; // far below any claim tested here, far above what a rejection needs

    [Fact]
    public void Known_bytes_of_an_svhn_sample_land_exactly_in_the_tensor()
    {
        using var dir = new TempDir();
        // 64 images (the sample's size); image 0 is all 255, image 1 all 128, image 2 all 0; labels 10 (digit 0), 1, 2, ...
        var pixels = new byte[64 * Image];
        Array.Fill(pixels, (byte)255, 0, Image);
        Array.Fill(pixels, (byte)128, Image, Image);
        var labels = Enumerable.Range(0, 64).Select(i => (double)(i % 10 == 0 ? 10 : i % 10)).ToArray();
        WriteSample(dir, SyntheticMat.File(true,
            SyntheticMat.UInt8Matrix("X", [32, 32, 3, 64], ColumnMajor(pixels, 64)),
            SyntheticMat.DoubleMatrix("y", [64, 1], labels)));

        using var split = DatasetStore.Load("svhn", Split.Test, new DataOptions(dir.Path, AllowDownload: false, AllowSample: true)).Dataset;

        Assert.Equal(new long[] { 64, 3, 32, 32 }, split.Images.shape);
        Assert.Equal(1.0f, split.Images[0].min().item<float>());
        Assert.Equal(1.0f, split.Images[0].max().item<float>());
        Assert.Equal(128f / 255f, split.Images[1].min().item<float>());  // 128/255 in float32, the same division as the reader's
        Assert.Equal(128f / 255f, split.Images[1].max().item<float>());
        Assert.Equal(0f, split.Images[2].max().item<float>());
        Assert.Equal(new long[] { 0, 1, 2 }, split.Labels[..3].data<long>().ToArray());
    }

    [Fact]
    public void A_small_compressed_file_claiming_150000_images_fails_before_allocating_them()
    {
        using var dir = new TempDir();
        string path = dir.File("x.mat");
        File.WriteAllBytes(path, SyntheticMat.File(true, SyntheticMat.UInt8Matrix("X", [32, 32, 3, 150_000], new byte[1024], claimedBytes: 150_000L * Image)));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DatasetException>(() => SvhnFile.Read(path));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, Bound);
        Assert.Contains("more than its", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void A_split_file_claiming_more_images_than_the_split_has_fails_before_allocating_them()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("svhn"));
        // Uncompressed and complete in its claim of 100,000 images would be 307 MB; the header alone is enough to refuse.
        File.WriteAllBytes(dir.File("svhn/test_32x32.mat"), SyntheticMat.File(false, SyntheticMat.UInt8Matrix("X", [32, 32, 3, 100_000], new byte[64], claimedBytes: 100_000L * Image)));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load("svhn", Split.Test, new DataOptions(dir.Path, AllowDownload: false)));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, Bound);
        // SVHN's test split holds 26,032 images (Netzer et al. 2011): 26,032 · 3,072 = 79,970,304 bytes at most.
        Assert.Contains("claims dimensions [32, 32, 3, 100000]", e.Message);
        Assert.Contains("more than the 79,970,304", e.Message);
    }

    [Fact]
    public void Labels_claiming_more_entries_than_there_are_images_fail_before_allocating_them()
    {
        using var dir = new TempDir();
        string path = dir.File("y.mat");
        File.WriteAllBytes(path, SyntheticMat.File(true,
            SyntheticMat.UInt8Matrix("X", [32, 32, 3, 2], new byte[2 * Image]),
            SyntheticMat.UInt8Matrix("y", [100_000_000, 1], new byte[8], claimedBytes: 800_000_000)));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DatasetException>(() => SvhnFile.Read(path));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, Bound);
        Assert.Contains("'y'", e.Message);
    }

    [Fact]
    public void A_tag_size_of_two_gigabytes_or_more_is_one_dataset_error_not_an_overflow()
    {
        using var dir = new TempDir();
        string path = dir.File("tag.mat");
        var bytes = SyntheticMat.File(false, SyntheticMat.UInt8Matrix("X", [32, 32, 3, 1], new byte[Image]));
        BitConverter.GetBytes(0xF000_0000u).CopyTo(bytes, 128 + 4); // the miMATRIX tag's byte count
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<DatasetException>(() => SvhnFile.Read(path));
        Assert.DoesNotContain("\n", e.Message);
    }

    static void WriteSample(TempDir dir, byte[] mat)
    {
        Directory.CreateDirectory(dir.File("svhn"));
        File.WriteAllBytes(dir.File("svhn/sample_32x32.mat"), mat);
    }

    // Row-major [N, 3, 32, 32] → MATLAB's column-major [32, 32, 3, N] (index r + 32c + 1024ch + 3072n).
    static byte[] ColumnMajor(byte[] nchw, int n)
    {
        var result = new byte[nchw.Length];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < 3; ch++)
                for (int r = 0; r < 32; r++)
                    for (int c = 0; c < 32; c++)
                        result[i * Image + ch * 1024 + c * 32 + r] = nchw[i * Image + ch * 1024 + r * 32 + c];
        return result;
    }
}
