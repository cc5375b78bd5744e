using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Vae.Tests.Unit.Data;

/// <summary>
/// Writes small MATLAB 5.0 files by the format's layout (MathWorks, "MAT-File Format", 2013: a 128-byte header,
/// then data elements, each an 8-byte tag [type, byte count] and its data padded to 8 bytes; miMATRIX holds array
/// flags, dimensions, a name and the real part). The dimensions are written as given, so a file can lie about them.
/// </summary>
internal static class SyntheticMat
{
    const int MiInt8 = 1, MiUInt8 = 2, MiInt32 = 5, MiUInt32 = 6, MiDouble = 9, MiMatrix = 14, MiCompressed = 15;

    /// <summary>A uint8 variable whose data element claims <paramref name="claimedBytes"/> but holds <paramref name="data"/>.</summary>
    public static byte[] UInt8Matrix(string name, int[] dims, byte[] data, long? claimedBytes = null) =>
        Matrix(name, 9, dims, MiUInt8, data, claimedBytes ?? data.Length);

    /// <summary>A double variable (class 6).</summary>
    public static byte[] DoubleMatrix(string name, int[] dims, double[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), values[i]);
        return Matrix(name, 6, dims, MiDouble, bytes, bytes.Length);
    }

    /// <summary>A whole file: header, then each element (compressed with zlib when asked).</summary>
    public static byte[] File(bool compress, params byte[][] matrices)
    {
        var file = new MemoryStream();
        var header = new byte[128];
        Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, written by the Vae tests".PadRight(116)).CopyTo(header, 0);
        header[124] = 0x00; header[125] = 0x01; header[126] = (byte)'I'; header[127] = (byte)'M';
        file.Write(header);
        foreach (var m in matrices)
        {
            if (!compress) { file.Write(m); continue; }
            var z = new MemoryStream();
            using (var zlib = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) zlib.Write(m);
            file.Write(Tag(MiCompressed, z.Length));
            file.Write(z.ToArray());
        }
        return file.ToArray();
    }

    static byte[] Matrix(string name, int classId, int[] dims, int dataType, byte[] data, long claimedBytes)
    {
        var body = new MemoryStream();
        body.Write(Tag(MiUInt32, 8));
        body.Write([(byte)classId, 0, 0, 0, 0, 0, 0, 0]);
        body.Write(Tag(MiInt32, 4L * dims.Length));
        var d = new byte[Pad8(4 * dims.Length)];
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(d.AsSpan(4 * i), dims[i]);
        body.Write(d);
        var n = Encoding.ASCII.GetBytes(name);
        body.Write(Tag(MiInt8, n.Length));
        body.Write(n); body.Write(new byte[Pad8(n.Length) - n.Length]);
        body.Write(Tag(dataType, claimedBytes));
        body.Write(data); body.Write(new byte[Pad8(data.Length) - data.Length]);
        var element = new MemoryStream();
        element.Write(Tag(MiMatrix, body.Length));
        body.WriteTo(element);
        return element.ToArray();
    }

    static byte[] Tag(int type, long size)
    {
        var tag = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tag, type);
        BinaryPrimitives.WriteUInt32LittleEndian(tag.AsSpan(4), (uint)size);
        return tag;
    }

    static int Pad8(int n) => (n + 7) / 8 * 8;
}
