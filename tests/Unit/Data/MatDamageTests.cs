using Vae.Data;
using Vae.Data.Formats;
using Xunit;

namespace Vae.Tests.Unit.Data;

/// <summary>
/// Each way a MAT-file can be damaged gives one <see cref="DatasetException"/> whose problem names the part that is
/// wrong and the numbers involved; every honest variation of the format reads exactly. Files are written by
/// <see cref="SyntheticMat"/>; expected numbers are worked out here from the layout (MathWorks, "MAT-File Format",
/// ch. 1: 128-byte header, 8-byte tags, data padded to 8 bytes, compressed elements unpadded).
/// </summary>
public sealed class MatDamageTests
{
    const string Remedy = "download the file again (see `data info svhn`)";
    const int Image = 32 * 32 * 3;

    static DatasetException Fails(byte[] file, string variable = "X", int? limit = null, long? maxElements = null)
    {
        using var dir = new TempDir();
        string path = dir.File("damaged.mat");
        File.WriteAllBytes(path, file);
        var e = Assert.Throws<DatasetException>(() => MatFormat.ReadVariable(path, variable, limit, maxElements));
        Assert.Equal(path, e.Path);
        Assert.DoesNotContain("\n", e.Message);
        return e;
    }

    static MatVariable Reads(byte[] file, string variable = "X", int? limit = null)
    {
        using var dir = new TempDir();
        string path = dir.File("honest.mat");
        File.WriteAllBytes(path, file);
        return MatFormat.ReadVariable(path, variable, limit);
    }

    static byte[] Mat(params byte[][] elements) => [.. SyntheticMat.Header(), .. elements.SelectMany(e => e)];

    static byte[] Matrix(MatrixParts parts) => SyntheticMat.Matrix(parts);

    static readonly MatrixParts Small = new("X", [2, 3], [1, 2, 3, 4, 5, 6]);

    [Fact]
    public void A_missing_file_is_reported_as_missing_with_the_advice_to_check_the_path()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DatasetException>(() => MatFormat.ReadVariable(dir.File("absent.mat"), "X"));
        Assert.Equal(DatasetErrorKind.Missing, e.Kind);
        Assert.Equal("file not found", e.Problem);
        Assert.EndsWith("; check the path", e.Message);
    }

    [Fact]
    public void A_file_shorter_than_the_header_is_truncated()
    {
        var e = Fails(SyntheticMat.Header()[..100]);
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.Equal("truncated: shorter than the 128-byte MAT-file header", e.Problem);
        Assert.EndsWith(Remedy, e.Message);
    }

    [Fact]
    public void A_header_without_variables_says_that_none_were_found()
    {
        var e = Fails(SyntheticMat.Header());
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.Equal("no variable 'X' (variables found: none)", e.Problem);
        Assert.EndsWith("is this an SVHN *_32x32.mat file? " + Remedy, e.Message);
    }

    [Theory]
    [InlineData("MI")] // big-endian files carry the indicator reversed
    [InlineData("IX")] // one wrong byte is enough
    [InlineData("XM")]
    public void A_file_without_the_little_endian_indicator_IM_is_refused(string endian)
    {
        var e = Fails([.. SyntheticMat.Header(endian: endian), .. Matrix(Small)]);
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.Equal("big-endian MAT-files are not supported", e.Problem);
    }

    [Fact]
    public void A_file_that_ends_inside_an_element_tag_names_the_variables_read_so_far()
    {
        var e = Fails([.. Mat(Matrix(Small with { Name = "Z" }), Matrix(Small with { Name = "W" })), 1, 2, 3, 4]);
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.Equal("truncated: the file ends inside an element tag before variable 'X' was found (variables found: Z, W)", e.Problem);
    }

    [Fact]
    public void A_file_that_ends_inside_another_variable_says_how_long_it_is_and_how_long_it_must_be()
    {
        byte[] z = Matrix(Small with { Name = "Z" });
        byte[] file = Mat(z)[..^8];
        var e = Fails(file);
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.Equal($"truncated: the file ends inside variable 'Z' before variable 'X' (file is {128 + z.Length - 8} bytes, the element needs {128 + z.Length})", e.Problem);
    }

    [Fact]
    public void A_corrupt_compressed_element_is_a_corrupt_zlib_stream()
    {
        var e = Fails(Mat([.. SyntheticMat.Tag(SyntheticMat.MiCompressed, 32), .. Enumerable.Repeat((byte)0xff, 32)]));
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.StartsWith("corrupt or truncated zlib stream in variable '?' (", e.Problem);
    }

    [Fact]
    public void Elements_that_are_not_matrices_are_skipped_by_their_padded_or_compressed_size()
    {
        byte[] plain = SyntheticMat.Element(SyntheticMat.MiUInt8, [7, 7, 7]);   // 8-byte tag, 3 bytes, 5 of padding
        byte[] compressed = SyntheticMat.Compressed(SyntheticMat.Element(SyntheticMat.MiUInt8, [7, 7, 7]));
        Assert.NotEqual(0, compressed.Length % 8);  // so that padding it would land in the wrong place
        var x = Reads(Mat(plain, compressed, Matrix(Small)));
        Assert.Equal(new[] { 2, 3 }, x.Dimensions);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, x.Bytes);
    }

    [Fact]
    public void A_variable_claiming_more_data_than_its_plain_element_holds_is_refused_with_both_sizes()
    {
        // Element: 8 (flags tag) + 8 (flags) + 8 + 8 (dims) + 8 + 8 (name) + 8 + 8 (data tag, 8 bytes) = 64 bytes after
        // its tag; the tag claims a million, the file holds 64, so the bound is 64.
        byte[] x = Matrix(new MatrixParts("X", [1000, 1], new byte[8]) { ClaimedDataBytes = 1000, ClaimedElementBytes = 1_000_000 });
        Assert.Equal(8 + 64, x.Length);
        var e = Fails(Mat(x));
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.Equal("variable 'X' claims 1,000 bytes of data, more than its 64-byte element can hold", e.Problem);
    }

    [Fact]
    public void A_variable_claiming_more_data_than_its_compressed_element_can_inflate_to_is_refused()
    {
        // Deflate expands at most 1032:1, so a compressed element of s bytes bounds the variable at 1032 s; the
        // variable after it does not count.
        byte[] x = SyntheticMat.Compressed(Matrix(new MatrixParts("X", [1_000_000, 1], new byte[8]) { ClaimedDataBytes = 1_000_000 }));
        long s = x.Length - 8;
        var e = Fails(Mat(x, SyntheticMat.Compressed(Matrix(Small with { Name = "y", Data = new byte[6000], Dims = [6000, 1] }))));
        Assert.Equal($"variable 'X' claims 1,000,000 bytes of data, more than its {s * 1032:N0}-byte element can hold", e.Problem);
    }

    [Fact]
    public void Doubles_claiming_more_than_the_element_holds_are_counted_in_bytes()
    {
        // 500 doubles are 4,000 bytes; the element holds 8 + 8 + 8 + 8 + 8 + 8 + 8 + 16 = 72.
        byte[] y = Matrix(new MatrixParts("y", [500, 1], new byte[16]) { ClassId = 6, DataType = SyntheticMat.MiDouble, ClaimedDataBytes = 4000 });
        var e = Fails(Mat(y), "y");
        Assert.Equal("variable 'y' claims 4,000 bytes of data, more than its 72-byte element can hold", e.Problem);
    }

    [Fact]
    public void A_sub_element_in_small_form_where_a_full_tag_is_required_is_refused()
    {
        var e = Fails(Mat(Matrix(Small with { SmallFlags = true })));
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.Equal("unexpected small element for array flags", e.Problem);
    }

    [Theory]
    [InlineData(4, "the array flags claim 4 bytes (expected 8 to 16)")]
    [InlineData(24, "the array flags claim 24 bytes (expected 8 to 16)")]
    public void Array_flags_outside_8_to_16_bytes_are_refused(int bytes, string problem)
    {
        var e = Fails(Mat(Matrix(Small with { FlagsBytes = bytes })));
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.Equal(problem, e.Problem);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)] // MATLAB writes 8; the format allows the sparse form's 16
    public void Array_flags_of_8_or_16_bytes_are_read(int bytes) =>
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, Reads(Mat(Matrix(Small with { FlagsBytes = bytes }))).Bytes);

    [Fact]
    public void Dimensions_claiming_more_than_32_entries_are_refused_before_reading_them()
    {
        var e = Fails(Mat(Matrix(Small with { ClaimedDimsBytes = 132 })));
        Assert.Equal("the dimensions claim 132 bytes (expected 8 to 128)", e.Problem);
    }

    [Fact]
    public void A_name_claiming_more_than_63_characters_is_refused()
    {
        var e = Fails(Mat(Matrix(Small with { ClaimedNameBytes = 64 })));
        Assert.Equal("the array name claim 64 bytes (expected 0 to 63)", e.Problem);
    }

    [Theory]
    [InlineData("flags", "array flags are not miUINT32")]
    [InlineData("dims", "dimensions are not miINT32")]
    [InlineData("name", "array name is not miINT8")]
    public void Sub_elements_of_the_wrong_type_are_refused(string part, string problem)
    {
        var parts = part switch
        {
            "flags" => Small with { FlagsType = SyntheticMat.MiInt32 },
            "dims" => Small with { DimsType = SyntheticMat.MiUInt32 },
            _ => Small with { NameType = SyntheticMat.MiUInt8 },
        };
        var e = Fails(Mat(Matrix(parts)));
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.Equal(problem, e.Problem);
    }

    [Fact]
    public void A_negative_dimension_is_refused_and_a_zero_dimension_is_an_empty_variable()
    {
        var e = Fails(Mat(Matrix(Small with { Dims = [-3, 2] })));
        Assert.Equal("variable 'X' has a negative dimension -3", e.Problem);

        var empty = Reads(Mat(Matrix(new MatrixParts("X", [0, 4], []))));
        Assert.Equal(new[] { 0, 4 }, empty.Dimensions);
        Assert.Empty(empty.Bytes!);
    }

    [Fact]
    public void Dimensions_beyond_one_array_are_refused_and_exactly_one_array_is_bounded_by_the_element()
    {
        var e = Fails(Mat(Matrix(Small with { Dims = [65536, 65536] })));
        Assert.Equal("variable 'X' has dimensions [65536, 65536] too large for one array", e.Problem);

        // Array.MaxLength elements pass the array check and then meet the element's own bound (64 bytes: see above).
        var atMax = Fails(Mat(Matrix(new MatrixParts("X", [Array.MaxLength, 1], new byte[8]) { ClaimedDataBytes = Array.MaxLength })));
        Assert.Equal($"variable 'X' claims {Array.MaxLength:N0} bytes of data, more than its 64-byte element can hold", atMax.Problem);
    }

    [Fact]
    public void Doubles_whose_bytes_exceed_one_array_are_refused_as_too_large()
    {
        // 300,000,000 elements fit in an array; their 2.4 GB of doubles do not.
        var e = Fails(Mat(Matrix(new MatrixParts("X", [300_000_000, 1], new byte[8]) { ClassId = 6, DataType = SyntheticMat.MiDouble, ClaimedDataBytes = 2_400_000_000 })));
        Assert.Equal("variable 'X' is too large", e.Problem);
    }

    [Fact]
    public void More_elements_than_the_caller_allows_are_refused_with_the_cap_and_exactly_the_cap_is_read()
    {
        var e = Fails(Mat(Matrix(Small)), maxElements: 5);
        Assert.Equal("variable 'X' claims dimensions [2, 3], 6 elements, more than the 5 this dataset file has", e.Problem);
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("x.mat"), Mat(Matrix(Small)));
        Assert.Equal(6, MatFormat.ReadVariable(dir.File("x.mat"), "X", maxElements: 6).Bytes!.Length);
    }

    [Theory]
    [InlineData(1, new byte[] { 1, 2 })]
    [InlineData(2, new byte[] { 1, 2, 3, 4 })]
    [InlineData(3, new byte[] { 1, 2, 3, 4, 5, 6 })]
    public void A_limit_reads_that_many_slices_of_the_last_dimension(int limit, byte[] expected)
    {
        var x = Reads(Mat(Matrix(Small)), limit: limit);
        Assert.Equal(new[] { 2, limit }, x.Dimensions);
        Assert.Equal(expected, x.Bytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(4)]
    public void A_limit_outside_1_to_the_last_dimension_is_an_argument_error(int limit)
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("x.mat"), Mat(Matrix(Small)));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MatFormat.ReadVariable(dir.File("x.mat"), "X", limit));
        Assert.Contains($"limit must be in 1..3, got {limit}", e.Message);
    }

    [Fact]
    public void An_unsupported_element_type_is_named()
    {
        var e = Fails(Mat(Matrix(Small with { DataType = 10 })));  // 10 is reserved in the MAT-file format
        Assert.Equal("variable 'X' has unsupported element type 10", e.Problem);
    }

    [Theory]
    [InlineData(3, "variable 'X' holds 24 bytes of data but its dimensions [2, 2] need 32")]
    [InlineData(5, "variable 'X' holds 40 bytes of data but its dimensions [2, 2] need 32")]
    public void A_data_element_of_another_size_than_the_dimensions_need_is_refused(int count, string problem)
    {
        var values = Enumerable.Range(1, count).Select(i => (double)i).ToArray();
        var e = Fails(Mat(Matrix(new MatrixParts("X", [2, 2], SyntheticMat.Doubles(values)) { ClassId = 6, DataType = SyntheticMat.MiDouble })));
        Assert.Equal(problem, e.Problem);
    }

    [Fact]
    public void A_compressed_variable_whose_stream_ends_early_says_how_many_slices_are_whole()
    {
        // Ten doubles are claimed, three are there: three whole slices of [1, 10].
        byte[] v = SyntheticMat.Compressed(Matrix(new MatrixParts("v", [1, 10], SyntheticMat.Doubles([1, 2, 3])) { ClassId = 6, DataType = SyntheticMat.MiDouble, ClaimedDataBytes = 80 }));
        var e = Fails(Mat(v), "v");
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.Equal("truncated: only 3 of 10 images (slices of variable 'v' [1, 10]) could be read", e.Problem);
        Assert.EndsWith("; download the complete file, or ask for a prefix explicitly with a limit", e.Message);
    }

    [Fact]
    public void A_cut_file_says_how_many_slices_are_whole_and_that_the_file_ends_early()
    {
        // 40 bytes of [4, 10]; the file loses its last 20, so 20 bytes remain: 5 whole slices of 4.
        byte[] file = Mat(Matrix(new MatrixParts("X", [4, 10], Enumerable.Range(0, 40).Select(i => (byte)i).ToArray())))[..^20];
        var e = Fails(file);
        Assert.Equal("truncated: only 5 of 10 images (slices of variable 'X' [4, 10]) could be read, the file ends early", e.Problem);
    }

    [Theory]
    [InlineData(4, "matrix tag")]
    [InlineData(12, "array flags")]
    [InlineData(20, "array flags")]
    [InlineData(28, "dimensions")]
    [InlineData(36, "dimensions")]
    [InlineData(44, "array name")]
    [InlineData(52, "array name")]
    [InlineData(60, "data")]
    public void A_compressed_matrix_that_ends_inside_a_sub_element_names_it(int keep, string part)
    {
        // Layout of the matrix: tag 0-8, flags tag 8-16, flags 16-24, dims tag 24-32, dims 32-40, name tag 40-48,
        // name 48-56, data tag 56-64, data 64-70.
        byte[] matrix = Matrix(Small);
        var e = Fails(Mat(SyntheticMat.Compressed(matrix[..keep])));
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        Assert.Equal($"truncated: the stream ends inside the {part}", e.Problem);
    }

    [Theory]
    [InlineData(SyntheticMat.MiInt8, new byte[] { 0xff, 0x7f }, new[] { -1.0, 127 })]
    [InlineData(SyntheticMat.MiInt16, new byte[] { 0xd4, 0xfe, 0x60, 0xea }, new[] { -300.0, -5536 })]
    [InlineData(4, new byte[] { 0x60, 0xea, 0xff, 0xff }, new[] { 60000.0, 65535 })]                      // miUINT16
    [InlineData(SyntheticMat.MiInt32, new byte[] { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00 }, new[] { -1.0, 65536 })]
    [InlineData(SyntheticMat.MiUInt32, new byte[] { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00 }, new[] { 4294967295.0, 65536 })]
    [InlineData(SyntheticMat.MiSingle, new byte[] { 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x20, 0xc1 }, new[] { 1.5, -10 })] // IEEE 754 1.5f, -10f
    [InlineData(12, new byte[] { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 3, 0, 0, 0, 0, 0, 0, 0 }, new[] { -2.0, 3 })]  // miINT64
    [InlineData(13, new byte[] { 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0 }, new[] { 4294967296.0, 3 })]               // miUINT64
    [InlineData(SyntheticMat.MiUInt8, new byte[] { 10, 200 }, new[] { 10.0, 200 })]                      // MATLAB stores small integral doubles as uint8
    public void A_double_variable_reads_every_stored_element_type_as_its_value(int type, byte[] data, double[] expected)
    {
        var y = Reads(Mat(Matrix(new MatrixParts("y", [2, 1], data) { ClassId = 6, DataType = type })), "y");
        Assert.Null(y.Bytes);
        Assert.Equal(expected, y.Doubles);
    }

    [Fact]
    public void A_file_that_ends_inside_an_element_before_any_name_was_read_says_so_with_a_question_mark()
    {
        // An miUINT8 element claiming 100 bytes (padded: 104) with 10 present: it needs 128 + 8 + 104 = 240 bytes.
        var e = Fails(Mat([.. SyntheticMat.Tag(SyntheticMat.MiUInt8, 100), .. new byte[10]]));
        Assert.Equal("truncated: the file ends inside variable '?' before variable 'X' (file is 146 bytes, the element needs 240)", e.Problem);
    }

    [Fact]
    public void A_compressed_element_claiming_more_bytes_than_the_file_holds_is_bounded_by_the_bytes_present()
    {
        // The tag claims 10,000 bytes more than were written: the bound is the 1032-fold of what the file holds.
        byte[] x = SyntheticMat.Compressed(Matrix(new MatrixParts("X", [1_000_000, 1], new byte[8]) { ClaimedDataBytes = 1_000_000 }));
        long present = x.Length - 8;
        byte[] lying = [.. SyntheticMat.Tag(SyntheticMat.MiCompressed, present + 10_000), .. x[8..]];
        var e = Fails(Mat(lying));
        Assert.Equal($"variable 'X' claims 1,000,000 bytes of data, more than its {present * 1032:N0}-byte element can hold", e.Problem);
    }

    [Fact]
    public void Data_exactly_as_long_as_what_is_left_of_a_cut_file_is_read_as_far_as_it_goes()
    {
        // [100, 10] uint8: 1,000 data bytes after 56 bytes of sub-element headers and an 8-byte data tag. The file is
        // cut to leave exactly 1,000 bytes after the matrix tag: not more than the element can hold, so the reader
        // reads and finds 1,000 − 64 = 936 bytes, 9 whole slices of 100.
        byte[] file = Mat(Matrix(new MatrixParts("X", [100, 10], new byte[1000])));
        var e = Fails(file[..(128 + 8 + 1000)]);
        Assert.Equal("truncated: only 9 of 10 images (slices of variable 'X' [100, 10]) could be read, the file ends early", e.Problem);
    }

    [Fact]
    public void A_small_element_name_claiming_more_than_its_four_bytes_is_refused()
    {
        var e = Fails(Mat(Matrix(Small with { SmallName = true, ClaimedNameBytes = 6 })));
        Assert.Equal("the array name claim 6 bytes (expected 0 to 4)", e.Problem);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, Reads(Mat(Matrix(Small with { SmallName = true }))).Bytes); // an honest small name
    }

    [Fact]
    public void Damage_inside_a_compressed_variables_data_names_the_variable()
    {
        // Flip one byte of the deflate stream after the part that holds the header; the first flip that inflation
        // detects must name 'X', whose header was read before the damage.
        byte[] x = SyntheticMat.Compressed(Matrix(new MatrixParts("X", [32, 32, 3, 40], Enumerable.Range(0, 40 * Image).Select(i => (byte)(i * 7 % 251)).ToArray())));
        DatasetException? found = null;
        for (int at = x.Length / 2; at < x.Length - 4 && found is null; at++)
        {
            byte[] damaged = (byte[])x.Clone();
            damaged[at] ^= 0xff;
            using var dir = new TempDir();
            File.WriteAllBytes(dir.File("d.mat"), Mat(damaged));
            try { MatFormat.ReadVariable(dir.File("d.mat"), "X"); }
            catch (DatasetException e) when (e.Problem.StartsWith("corrupt", StringComparison.Ordinal)) { found = e; }
            catch (DatasetException) { }
        }
        Assert.NotNull(found);
        Assert.StartsWith("corrupt or truncated zlib stream in variable 'X' (", found.Problem);
    }
}
