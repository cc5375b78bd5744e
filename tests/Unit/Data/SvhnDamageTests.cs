using Vae.Data;
using Vae.Data.Formats;
using Xunit;

namespace Vae.Tests.Unit.Data;

/// <summary>
/// An SVHN file is X uint8 [32, 32, 3, N] and y [N, 1] with labels 1..10 (Netzer et al. 2011, the dataset's
/// README); every departure gives one <see cref="DatasetException"/> with its exact problem, and a limit reads a
/// prefix of an honest file. Files are written by <see cref="SyntheticMat"/>.
/// </summary>
public sealed class SvhnDamageTests
{
    const int Image = 32 * 32 * 3;

    static byte[] X(int n) => SyntheticMat.UInt8Matrix("X", [32, 32, 3, n], Enumerable.Range(0, n * Image).Select(i => (byte)(i / Image)).ToArray());

    static byte[] Y(params double[] labels) => SyntheticMat.DoubleMatrix("y", [labels.Length, 1], labels);

    static string Write(TempDir dir, params byte[][] elements)
    {
        string path = dir.File("svhn.mat");
        File.WriteAllBytes(path, SyntheticMat.File(false, elements));
        return path;
    }

    static DatasetException Fails(byte[][] elements, int? limit = null, int? expectedItems = null)
    {
        using var dir = new TempDir();
        string path = Write(dir, elements);
        var e = Assert.Throws<DatasetException>(() => SvhnFile.Read(path, limit, expectedItems));
        Assert.Equal(path, e.Path);
        return e;
    }

    [Theory]
    [InlineData(6, SyntheticMat.MiDouble, 6)]  // a double array
    [InlineData(9, SyntheticMat.MiDouble, 9)]  // uint8 by class, but its elements stored as doubles
    public void X_must_be_uint8_stored_as_uint8(int classId, int dataType, int reported)
    {
        var x = SyntheticMat.Matrix(new MatrixParts("X", [32, 32, 3, 1], new byte[8 * Image]) { ClassId = classId, DataType = dataType });
        var e = Fails([x, Y(1)]);
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.Equal($"variable 'X' is not a uint8 array stored as uint8 (MATLAB class {reported}; uint8 is 9)", e.Problem);
        Assert.EndsWith("; is this an SVHN *_32x32.mat file?", e.Message);
    }

    [Theory]
    [InlineData(new[] { 32, 32, 3 })]
    [InlineData(new[] { 16, 32, 3, 1 })]
    [InlineData(new[] { 32, 16, 3, 1 })]
    [InlineData(new[] { 32, 32, 1, 1 })]
    public void X_of_any_other_shape_than_32_by_32_by_3_by_N_is_refused(int[] dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        var e = Fails([SyntheticMat.UInt8Matrix("X", dims, new byte[count]), Y(1)]);
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.Equal($"variable 'X' has dimensions [{string.Join(", ", dims)}], expected [32, 32, 3, N]", e.Problem);
        Assert.EndsWith("; is this an SVHN *_32x32.mat file?", e.Message);
    }

    [Fact]
    public void A_split_file_with_another_number_of_images_is_refused()
    {
        var e = Fails([X(3), Y(1, 2, 3)], expectedItems: 4);
        Assert.Equal("variable 'X' holds 3 images, expected 4", e.Problem);
        Assert.EndsWith("; is this the right split's file? download it again", e.Message);
    }

    [Fact]
    public void A_limit_reads_a_prefix_of_a_split_file_without_the_split_size_check()
    {
        using var dir = new TempDir();
        string path = Write(dir, X(5), Y(10, 1, 2, 3, 4));
        var (pixels, labels) = SvhnFile.Read(path, limit: 2, expectedItems: 5);
        Assert.Equal(2 * Image, pixels.Length);
        Assert.Equal(new long[] { 0, 1 }, labels);
        Assert.Equal(1, pixels[Image]);  // image 1 is filled with 1s by X(5)
    }

    [Fact]
    public void A_limit_needs_only_as_many_labels_as_images_read()
    {
        using var dir = new TempDir();
        string path = Write(dir, X(5), Y(3, 4));
        Assert.Equal(new long[] { 3, 4 }, SvhnFile.Read(path, limit: 2).Labels);
        string more = dir.File("more.mat");
        File.WriteAllBytes(more, SyntheticMat.File(false, X(5), Y(1, 2, 3, 4, 5)));
        Assert.Equal(new long[] { 1, 2 }, SvhnFile.Read(more, limit: 2).Labels); // all five labels read, two kept
        var e = Assert.Throws<DatasetException>(() => SvhnFile.Read(path, limit: 3));
        Assert.Equal(DatasetErrorKind.Mismatch, e.Kind);
        Assert.Equal("variable 'y' has dimensions [2, 1] but 'X' holds 3 images", e.Problem);
    }

    [Fact]
    public void Labels_beyond_the_number_of_images_are_refused_before_they_are_read()
    {
        var e = Fails([X(2), Y(1, 2, 3)]);
        Assert.Equal("variable 'y' claims dimensions [3, 1], 3 elements, more than the 2 this dataset file has", e.Problem);
    }

    [Fact]
    public void Fewer_labels_than_images_are_a_mismatch()
    {
        var e = Fails([X(2), Y(1)]);
        Assert.Equal(DatasetErrorKind.Mismatch, e.Kind);
        Assert.Equal("variable 'y' has dimensions [1, 1] but 'X' holds 2 images", e.Problem);
        Assert.EndsWith("; the file is inconsistent; download it again", e.Message);
    }

    [Fact]
    public void Labels_as_a_row_or_as_uint8_are_a_mismatch()
    {
        var row = Fails([X(2), SyntheticMat.DoubleMatrix("y", [1, 2], [1, 2])]);
        Assert.Equal("variable 'y' has dimensions [1, 2] but 'X' holds 2 images", row.Problem);
        var bytes = Fails([X(2), SyntheticMat.UInt8Matrix("y", [2, 1], [1, 2])]);
        Assert.Equal("variable 'y' has dimensions [2, 1] but 'X' holds 2 images", bytes.Problem);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(11.0)]
    [InlineData(2.5)]
    [InlineData(-1.0)]
    public void A_label_outside_the_integers_1_to_10_is_refused_with_its_position(double label)
    {
        var e = Fails([X(2), Y(1, label)]);
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.Equal($"label 1 is {label}, expected an integer in 1..10", e.Problem);
        Assert.EndsWith("; the file is corrupt; download it again", e.Message);
    }

    [Fact]
    public void Labels_1_to_10_become_digits_with_10_as_0()
    {
        using var dir = new TempDir();
        string path = Write(dir, X(10), Y(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 0 }, SvhnFile.Read(path).Labels);
    }
}
