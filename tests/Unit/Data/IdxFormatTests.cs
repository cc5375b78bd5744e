using Vae.Data;
using Vae.Data.Formats;
using Xunit;

namespace Vae.Tests.Unit.Data;

public sealed class IdxFormatTests
{
    static readonly int[] Dims = [3, 4, 5];
    static byte[] Pixels() => Enumerable.Range(0, 60).Select(i => (byte)(i * 7)).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Written_files_read_back_with_the_same_dimensions_and_bytes(bool gzip)
    {
        using var dir = new TempDir();
        string path = dir.File(gzip ? "x-idx3-ubyte.gz" : "x-idx3-ubyte");
        IdxFormat.Write(path, Dims, Pixels(), gzip);
        var file = IdxFormat.Read(path, 3);
        Assert.Equal(Dims, file.Dimensions);
        Assert.Equal(Pixels(), file.Data);
        Assert.Equal(IdxFormat.DecompressedSha256(path), file.Sha256);
    }

    [Fact]
    public void The_header_is_big_endian_with_the_unsigned_byte_magic()
    {
        using var dir = new TempDir();
        string path = dir.File("x");
        IdxFormat.Write(path, [2], [9, 8], gzip: false);
        // 00 00 08 01 (ubyte, 1 dim), then 00 00 00 02, then the data: the layout of yann.lecun.com/exdb/mnist.
        Assert.Equal(new byte[] { 0, 0, 8, 1, 0, 0, 0, 2, 9, 8 }, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_missing_file_is_reported_as_missing()
    {
        var e = Assert.Throws<DatasetException>(() => IdxFormat.Read("/nonexistent/t10k-images-idx3-ubyte", 3));
        Assert.Equal(DatasetErrorKind.Missing, e.Kind);
        Assert.Contains("/nonexistent/t10k-images-idx3-ubyte: file not found", e.Message);
    }

    [Fact]
    public void A_label_file_read_as_images_is_a_wrong_magic()
    {
        using var dir = new TempDir();
        string path = dir.File("labels");
        IdxFormat.Write(path, [4], [1, 2, 3, 4], gzip: false);
        var e = Assert.Throws<DatasetException>(() => IdxFormat.Read(path, 3));
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.Contains("wrong magic number 0x00000801 (expected 0x00000803", e.Message);
    }

    [Fact]
    public void A_raw_file_cut_short_is_truncated_and_says_how_many_bytes_it_holds()
    {
        using var dir = new TempDir();
        string path = dir.File("x");
        IdxFormat.Write(path, Dims, Pixels(), gzip: false);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        var e = Assert.Throws<DatasetException>(() => IdxFormat.Read(path, 3));
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.Contains("need 60 data bytes but the file holds 50", e.Message);
    }

    [Fact]
    public void A_truncated_gzip_stream_is_reported_as_truncated()
    {
        using var dir = new TempDir();
        string path = dir.File("x.gz");
        var big = new byte[200_000];
        new Random(3).NextBytes(big);
        IdxFormat.Write(path, [200_000], big, gzip: true);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<DatasetException>(() => IdxFormat.Read(path, 1));
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Extra_bytes_after_the_data_are_an_error()
    {
        using var dir = new TempDir();
        string path = dir.File("x");
        IdxFormat.Write(path, Dims, Pixels(), gzip: false);
        File.AppendAllText(path, "junk");
        var e = Assert.Throws<DatasetException>(() => IdxFormat.Read(path, 3));
        Assert.Contains("longer than its dimensions [3, 4, 5] say", e.Message);
    }

    [Fact]
    public void A_zero_dimension_is_rejected()
    {
        using var dir = new TempDir();
        string path = dir.File("x");
        File.WriteAllBytes(path, [0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
        var e = Assert.Throws<DatasetException>(() => IdxFormat.Read(path, 3));
        Assert.Contains("dimension 0 is 0", e.Message);
    }
}

public sealed class IdxFormatHeaderTests
{
    [Fact]
    public void Dimensions_whose_product_overflows_are_a_format_error_not_an_arithmetic_exception()
    {
        // Found by the FsCheck damage property: a flipped bit in a gzip stream gave dims whose product wrapped around.
        using var dir = new TempDir();
        string path = dir.File("x");
        File.WriteAllBytes(path, [0, 0, 8, 3, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3]);
        var e = Assert.Throws<DatasetException>(() => IdxFormat.Read(path, 3));
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.Contains("more bytes than one array can hold", e.Message);
    }
}

/// <summary>Hostile IDX headers: memory stays bounded by the bytes the file really holds.</summary>
public sealed class IdxBoundedMemoryTests
{
    [Fact]
    public void A_small_gzip_whose_header_claims_millions_of_images_fails_without_allocating_for_them()
    {
        // 2,700,000 images of 28×28 declared (2.1 GB) over 100 real images: the file holds 78,400 data bytes.
        using var dir = new TempDir();
        string path = dir.File("images.gz");
        var header = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, 0x00000803);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 2_700_000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), 28);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 28);
        using (var gz = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Fastest))
        {
            gz.Write(header);
            gz.Write(new byte[100 * 784]);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var truncated = Assert.Throws<DatasetException>(() => IdxFormat.Read(path, 3));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("need 2116800000 data bytes but the file holds 78400", truncated.Message);
        Assert.True(allocated < 64L << 20, $"{allocated:N0} bytes allocated for a 100-image file");

        // Where the count is known (MNIST's 60,000 training images) the header is rejected before any data is read.
        var wrongCount = Assert.Throws<DatasetException>(() => IdxFormat.Read(path, 3, expectedItems: 60_000));
        Assert.Contains("the header declares 2700000 items; this file must hold exactly 60000", wrongCount.Message);
    }
}
