using System.Buffers.Binary;
using System.IO.Compression;
using Vae.Data;
using Vae.Data.Formats;
using Xunit;

namespace Vae.Tests.Unit.Data;

/// <summary>
/// Each way an IDX file can be damaged gives one <see cref="DatasetException"/> with its exact problem, and honest
/// files of every size read exactly, raw or gzip. Files are written byte by byte here by the format's layout
/// (yann.lecun.com/exdb/mnist: big-endian magic 0x0000080n, n big-endian int32 sizes, then the bytes).
/// </summary>
public sealed class IdxDamageTests
{
    const string Remedy = "delete it and let `data info` fetch a fresh copy";
    const long Bound = 64L << 20;

    static byte[] Header(int magic, params int[] dims)
    {
        var header = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        return header;
    }

    static byte[] Gzip(byte[] content)
    {
        var z = new MemoryStream();
        using (var gz = new GZipStream(z, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(content);
        return z.ToArray();
    }

    static DatasetException Fails(byte[] file, int dimensions = 3, int? items = null)
    {
        using var dir = new TempDir();
        string path = dir.File("damaged-idx");
        File.WriteAllBytes(path, file);
        var e = Assert.Throws<DatasetException>(() => IdxFormat.Read(path, dimensions, items));
        Assert.Equal(path, e.Path);
        Assert.DoesNotContain("\n", e.Message);
        return e;
    }

    [Fact]
    public void A_missing_file_says_to_check_the_path_or_fetch_the_dataset()
    {
        var e = Assert.Throws<DatasetException>(() => IdxFormat.Read("/nonexistent/t10k-labels-idx1-ubyte", 1));
        Assert.Equal("file not found", e.Problem);
        Assert.EndsWith("; check the path or run `data info` to fetch the dataset", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_that_ends_inside_the_magic_number_is_truncated_in_the_header(bool gzip)
    {
        var e = Fails(gzip ? Gzip([0, 0, 8]) : [0, 0, 8]);
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.Equal("truncated: the file ends inside the header", e.Problem);
        Assert.EndsWith(Remedy, e.Message);
    }

    [Fact]
    public void A_file_that_ends_inside_the_sizes_is_truncated_in_the_dimensions()
    {
        var e = Fails([.. Header(0x803, 2, 2), 0, 0]);
        Assert.Equal("truncated: the file ends inside the dimensions", e.Problem);
    }

    [Fact]
    public void A_wrong_magic_number_says_which_was_expected()
    {
        var e = Fails([.. Header(0x801, 4), 1, 2, 3, 4]);
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.Equal("wrong magic number 0x00000801 (expected 0x00000803: unsigned bytes, 3 dimension(s))", e.Problem);
        Assert.EndsWith("is this the right file? " + Remedy, e.Message);
    }

    [Fact]
    public void A_negative_dimension_is_named_by_its_position()
    {
        var e = Fails(Header(0x803, 2, -5, 2));
        Assert.Equal("dimension 1 is -5", e.Problem);
    }

    [Fact]
    public void Sizes_beyond_one_array_list_the_sizes_up_to_the_one_that_overflowed()
    {
        var e = Fails(Header(0x803, 65536, 65536, 1));
        Assert.Equal("dimensions [65536, 65536...] describe more bytes than one array can hold", e.Problem);
    }

    [Fact]
    public void Exactly_one_arrays_worth_is_bounded_by_the_bytes_the_file_holds()
    {
        var e = Fails([.. Header(0x803, Array.MaxLength, 1, 1), 1, 2, 3]);
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.Equal($"truncated: dimensions [{Array.MaxLength}, 1, 1] need {Array.MaxLength} data bytes but the file holds 3", e.Problem);
    }

    [Fact]
    public void A_raw_file_claiming_a_gigabyte_is_refused_before_allocating_it()
    {
        byte[] file = [.. Header(0x803, 100_000, 100, 100), .. new byte[10]];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Fails(file);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, Bound);
        Assert.Equal("truncated: dimensions [100000, 100, 100] need 1000000000 data bytes but the file holds 10", e.Problem);
    }

    [Fact]
    public void A_complete_gzip_stream_shorter_than_its_sizes_says_how_many_bytes_it_holds()
    {
        var e = Fails(Gzip([.. Header(0x803, 10, 2, 2), .. new byte[30]]));
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.Equal("truncated: dimensions [10, 2, 2] need 40 data bytes but the file holds 30", e.Problem);
    }

    [Fact]
    public void A_header_with_another_item_count_than_the_split_has_is_refused()
    {
        var e = Fails([.. Header(0x801, 3), 1, 2, 3], dimensions: 1, items: 10_000);
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.Equal("the header declares 3 items; this file must hold exactly 10000", e.Problem);
        Assert.EndsWith("is this the right file? " + Remedy, e.Message);
    }

    [Fact]
    public void Gzip_bytes_that_are_not_deflate_are_a_corrupt_stream()
    {
        var e = Fails([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.Equal("corrupt gzip stream (its inflated data fail the CRC-32 or length check of its trailer, or do not inflate)", e.Problem);
    }

    [Fact]
    public void A_gzip_file_whose_crc_does_not_match_its_data_is_called_corrupt_not_an_unsupported_method()
    {
        byte[] gz = Gzip([.. Header(0x801, 1000), .. new byte[1000]]);
        gz[^8] ^= 0x01;  // the trailer's CRC-32 (RFC 1952: CRC32 then ISIZE, both little-endian)
        var e = Fails(gz, dimensions: 1);
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.Equal("corrupt gzip stream (its inflated data fail the CRC-32 or length check of its trailer, or do not inflate)", e.Problem);
    }

    [Fact]
    public void A_gzip_stream_cut_in_half_is_truncated()
    {
        var data = new byte[200_000];
        new Random(3).NextBytes(data);
        byte[] gz = Gzip([.. Header(0x801, 200_000), .. data]);
        var e = Fails(gz[..(gz.Length / 2)], dimensions: 1);
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.True(e.Problem.StartsWith("truncated", StringComparison.Ordinal) || e.Problem.StartsWith("corrupt or truncated gzip stream", StringComparison.Ordinal), e.Problem);
    }

    [Theory]
    [InlineData(false, 300_000)]            // one read of a raw file
    [InlineData(true, 300_000)]             // gzip inflates in pieces: every piece is kept
    [InlineData(false, (16 << 20) + 4096)]  // beyond the 16 MB first buffer of a gzip payload
    [InlineData(true, (16 << 20) + 4096)]   // the gzip buffer grows to the declared size
    public void Honest_files_of_any_size_read_back_byte_for_byte(bool gzip, int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        byte[] content = [.. Header(0x801, length), .. data];
        using var dir = new TempDir();
        string path = dir.File("honest");
        File.WriteAllBytes(path, gzip ? Gzip(content) : content);
        var file = IdxFormat.Read(path, 1);
        Assert.Equal(new[] { length }, file.Dimensions);
        Assert.True(data.AsSpan().SequenceEqual(file.Data), "payload differs");
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(content)).ToLowerInvariant(), file.Sha256);
    }

    [Fact]
    public void A_raw_file_starting_with_one_gzip_magic_byte_is_still_raw()
    {
        // 0x1f alone, or 0x8b alone, is not the gzip signature 1f 8b (RFC 1952).
        using var dir = new TempDir();
        foreach (byte[] head in new[] { new byte[] { 0x1f, 0x00 }, [0x00, 0x8b] })
        {
            string path = dir.File($"raw-{head[0]:x2}{head[1]:x2}");
            File.WriteAllBytes(path, [.. head, 8, 1, 0, 0, 0, 1, 42]);
            var e = Assert.Throws<DatasetException>(() => IdxFormat.Read(path, 1));
            Assert.Equal($"wrong magic number 0x{head[0]:x2}{head[1]:x2}0801 (expected 0x00000801: unsigned bytes, 1 dimension(s))", e.Problem);
        }
    }

    [Fact]
    public void Write_compresses_when_asked_and_refuses_data_of_another_size()
    {
        using var dir = new TempDir();
        IdxFormat.Write(dir.File("z"), [2], [9, 8], gzip: true);
        Assert.Equal(new byte[] { 0x1f, 0x8b }, File.ReadAllBytes(dir.File("z"))[..2]);
        var e = Assert.Throws<ArgumentException>(() => IdxFormat.Write(dir.File("bad"), [2, 3], [1, 2, 3], gzip: false));
        Assert.StartsWith("dimensions [2, 3] need 6 bytes, got 3", e.Message);
    }

    [Fact]
    public void A_read_error_of_the_operating_system_is_one_format_error()
    {
        // /proc/self/mem exists and opens, but reading its offset 0 (an unmapped address) fails with EIO.
        if (!OperatingSystem.IsLinux()) return;
        var e = Assert.Throws<DatasetException>(() => IdxFormat.Read("/proc/self/mem", 1));
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.StartsWith("cannot read: ", e.Problem);
    }
}
