using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Vae.Data;
using Vae.Data.Formats;
using Xunit;

namespace Vae.Tests.Unit.Data;

public sealed class MatFormatTests
{
    [Fact]
    public void The_svhn_sample_loads_as_64_images_with_labels_in_0_to_9()
    {
        var (pixels, labels) = SvhnFile.Read(SharedData.Svhn("sample_32x32.mat"));
        Assert.Equal(64 * 3 * 32 * 32, pixels.Length);
        Assert.Equal(64, labels.Length);
        Assert.All(labels, l => Assert.InRange(l, 0, 9));
    }

    [Fact]
    public void Pixels_are_reordered_from_column_major_to_NCHW_as_the_raw_inflated_bytes_say()
    {
        // Independent route: inflate the first element by hand and index the raw column-major array
        // r + 32c + 1024ch + 3072n (MAT-file spec: column-major, first dimension fastest).
        string path = SharedData.Svhn("sample_32x32.mat");
        byte[] raw = InflateFirstElement(path);
        // Inside the inflated miMATRIX: tag (8), flags (16), dims (8 + 16), name 'X' as a small element (8), data tag (8).
        Assert.Equal(14, BinaryPrimitives.ReadInt32LittleEndian(raw));
        Assert.Equal((byte)'X', raw[8 + 16 + 24 + 4]);
        int dataOffset = 8 + 16 + 24 + 8 + 8;
        var (pixels, _) = SvhnFile.Read(path);
        foreach (var (n, ch, r, c) in new[] { (0, 0, 0, 0), (0, 2, 5, 17), (2, 1, 31, 0), (63, 2, 31, 31), (10, 0, 12, 3) })
        {
            byte expected = raw[dataOffset + r + 32 * c + 1024 * ch + 3072 * n];
            Assert.Equal(expected, pixels[3072 * n + 1024 * ch + 32 * r + c]);
        }
    }

    [Fact]
    public void Label_10_maps_to_digit_0_and_others_keep_their_value()
    {
        var y = MatFormat.ReadVariable(SharedData.Svhn("sample_32x32.mat"), "y");
        var (_, labels) = SvhnFile.Read(SharedData.Svhn("sample_32x32.mat"));
        Assert.Contains(10.0, y.Doubles!);
        for (int i = 0; i < labels.Length; i++) Assert.Equal(y.Doubles![i] == 10 ? 0 : (long)y.Doubles[i], labels[i]);
    }

    [Fact]
    public void The_truncated_training_prefix_is_reported_with_the_number_of_readable_images()
    {
        var e = Assert.Throws<DatasetException>(() => SvhnFile.Read(SharedData.Svhn("train_32x32.prefix.mat")));
        Assert.Equal(DatasetErrorKind.Truncated, e.Kind);
        // shared/datasets/README.md: 1,083 whole images can be inflated from the prefix.
        Assert.Contains("only 1083 of 73257 images", e.Message);
    }

    [Fact]
    public void An_explicit_limit_reads_a_prefix_of_the_truncated_file_on_purpose()
    {
        var x = MatFormat.ReadVariable(SharedData.Svhn("train_32x32.prefix.mat"), "X", limitLastDim: 100);
        Assert.Equal(new[] { 32, 32, 3, 100 }, x.Dimensions);
        Assert.Equal(100 * 3072, x.Bytes!.Length);
    }

    [Fact]
    public void A_file_without_X_names_the_variables_it_has()
    {
        using var dir = new TempDir();
        string path = dir.File("other.mat");
        WriteMat(path, "Z", classId: 9, dataType: 2, [2, 1], [1, 2]);
        var e = Assert.Throws<DatasetException>(() => SvhnFile.Read(path));
        Assert.Contains("no variable 'X' (variables found: Z)", e.Message);
    }

    [Fact]
    public void X_of_the_wrong_class_or_shape_is_rejected()
    {
        using var dir = new TempDir();
        string path = dir.File("bad.mat");
        WriteMat(path, "X", classId: 9, dataType: 2, [4, 4], new byte[16]);
        var e = Assert.Throws<DatasetException>(() => SvhnFile.Read(path));
        Assert.Contains("expected [32, 32, 3, N]", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_MAT_file_is_rejected()
    {
        using var dir = new TempDir();
        string path = dir.File("not.mat");
        File.WriteAllBytes(path, new byte[200]);
        var e = Assert.Throws<DatasetException>(() => MatFormat.ReadVariable(path, "X"));
        Assert.Contains("not a MATLAB 5.0 MAT-file", e.Message);
    }

    static byte[] InflateFirstElement(string path)
    {
        using var file = File.OpenRead(path);
        file.Position = 128 + 8;
        using var z = new ZLibStream(file, CompressionMode.Decompress);
        var buffer = new byte[8 + 16 + 24 + 8 + 8 + 64 * 3072];
        z.ReadExactly(buffer);
        return buffer;
    }

    /// <summary>Writes an uncompressed MAT 5.0 file with one miMATRIX variable (layout from MathWorks' MAT-File Format, ch. 1).</summary>
    static void WriteMat(string path, string name, byte classId, int dataType, int[] dims, byte[] data)
    {
        var body = new MemoryStream();
        void Tag(int type, int size) { body.Write(BitConverter.GetBytes(type)); body.Write(BitConverter.GetBytes(size)); }
        void Pad() { while (body.Length % 8 != 0) body.WriteByte(0); }
        Tag(6, 8); body.Write([classId, 0, 0, 0, 0, 0, 0, 0]);
        Tag(5, 4 * dims.Length); foreach (int d in dims) body.Write(BitConverter.GetBytes(d)); Pad();
        Tag(1, name.Length); body.Write(Encoding.ASCII.GetBytes(name)); Pad();
        Tag(dataType, data.Length); body.Write(data); Pad();
        using var file = File.Create(path);
        var header = new byte[128];
        Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, written by a test").CopyTo(header, 0);
        for (int i = 38; i < 116; i++) header[i] = (byte)' ';
        header[124] = 0; header[125] = 1; header[126] = (byte)'I'; header[127] = (byte)'M';
        file.Write(header);
        file.Write(BitConverter.GetBytes(14));
        file.Write(BitConverter.GetBytes((int)body.Length));
        file.Write(body.ToArray());
    }
}
