using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Vae.Tests.Unit.Data;

/// <summary>
/// The parts of one miMATRIX element as <see cref="SyntheticMat"/> writes them. Every part can be overridden, so a
/// test can write an element that lies about one thing: a type, a claimed byte count, a sub-element in small form.
/// </summary>
/// <param name="Name">The array name.</param>
/// <param name="Dims">The dimensions, written as given.</param>
/// <param name="Data">The bytes of the real part, written as given.</param>
internal sealed record MatrixParts(string Name, int[] Dims, byte[] Data)
{
    public int ClassId { get; init; } = 9;
    public int FlagsType { get; init; } = SyntheticMat.MiUInt32;
    public int FlagsBytes { get; init; } = 8;
    public bool SmallFlags { get; init; }
    public int DimsType { get; init; } = SyntheticMat.MiInt32;
    public int? ClaimedDimsBytes { get; init; }
    public int NameType { get; init; } = SyntheticMat.MiInt8;
    public bool SmallName { get; init; }
    public int? ClaimedNameBytes { get; init; }
    public int DataType { get; init; } = SyntheticMat.MiUInt8;
    public long? ClaimedDataBytes { get; init; }
    /// <summary>The byte count in the miMATRIX tag (default: the body's true length).</summary>
    public long? ClaimedElementBytes { get; init; }
}

/// <summary>
/// Writes small MATLAB 5.0 files by the format's layout (MathWorks, "MAT-File Format", 2013: a 128-byte header,
/// then data elements, each an 8-byte tag [type, byte count] and its data padded to 8 bytes, or a 4-byte "small
/// element" [count &lt;&lt; 16 | type, up to 4 bytes]; miMATRIX holds array flags, dimensions, a name and the real part).
/// The dimensions are written as given, so a file can lie about them.
/// </summary>
internal static class SyntheticMat
{
    public const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7, MiDouble = 9, MiMatrix = 14, MiCompressed = 15;

    /// <summary>A uint8 variable whose data element claims <paramref name="claimedBytes"/> but holds <paramref name="data"/>.</summary>
    public static byte[] UInt8Matrix(string name, int[] dims, byte[] data, long? claimedBytes = null) =>
        Matrix(new MatrixParts(name, dims, data) { ClaimedDataBytes = claimedBytes });

    /// <summary>A double variable (class 6) stored as miDOUBLE.</summary>
    public static byte[] DoubleMatrix(string name, int[] dims, double[] values) =>
        Matrix(new MatrixParts(name, dims, Doubles(values)) { ClassId = 6, DataType = MiDouble });

    /// <summary>Little-endian IEEE doubles.</summary>
    public static byte[] Doubles(double[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), values[i]);
        return bytes;
    }

    /// <summary>A whole file: header, then each element (compressed with zlib when asked).</summary>
    public static byte[] File(bool compress, params byte[][] matrices) =>
        [.. Header(), .. matrices.SelectMany(m => compress ? Compressed(m) : m)];

    /// <summary>The 128-byte header: descriptive text, version 0x0100, then the endian indicator.</summary>
    public static byte[] Header(string text = "MATLAB 5.0 MAT-file, written by the Vae tests", string endian = "IM")
    {
        var header = new byte[128];
        Encoding.ASCII.GetBytes(text.PadRight(116)).CopyTo(header, 0);
        header[124] = 0x00; header[125] = 0x01;
        header[126] = (byte)endian[0]; header[127] = (byte)endian[1];
        return header;
    }

    /// <summary>An miCOMPRESSED element holding <paramref name="element"/> deflated with zlib (not padded, as MATLAB writes it).</summary>
    public static byte[] Compressed(byte[] element)
    {
        var z = new MemoryStream();
        using (var zlib = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) zlib.Write(element);
        return [.. Tag(MiCompressed, z.Length), .. z.ToArray()];
    }

    /// <summary>Any data element: tag, data, zero padding to 8 bytes.</summary>
    public static byte[] Element(int type, byte[] data) => [.. Tag(type, data.Length), .. data, .. new byte[Pad8(data.Length) - data.Length]];

    /// <summary>An miMATRIX element from its parts.</summary>
    public static byte[] Matrix(MatrixParts p)
    {
        var body = new MemoryStream();
        var flags = new byte[p.FlagsBytes];
        flags[0] = (byte)p.ClassId;
        if (p.SmallFlags) body.Write(SmallTag(p.FlagsType, flags[..Math.Min(4, flags.Length)], Math.Min(4, flags.Length)));
        else { body.Write(Tag(p.FlagsType, p.FlagsBytes)); body.Write(flags); body.Write(new byte[Pad8(flags.Length) - flags.Length]); }
        body.Write(Tag(p.DimsType, p.ClaimedDimsBytes ?? 4L * p.Dims.Length));
        var d = new byte[Pad8(4 * p.Dims.Length)];
        for (int i = 0; i < p.Dims.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(d.AsSpan(4 * i), p.Dims[i]);
        body.Write(d);
        var n = Encoding.ASCII.GetBytes(p.Name);
        if (p.SmallName) body.Write(SmallTag(p.NameType, n[..Math.Min(4, n.Length)], p.ClaimedNameBytes ?? n.Length));
        else { body.Write(Tag(p.NameType, p.ClaimedNameBytes ?? n.Length)); body.Write(n); body.Write(new byte[Pad8(n.Length) - n.Length]); }
        body.Write(Tag(p.DataType, p.ClaimedDataBytes ?? p.Data.Length));
        body.Write(p.Data); body.Write(new byte[Pad8(p.Data.Length) - p.Data.Length]);
        return [.. Tag(MiMatrix, p.ClaimedElementBytes ?? body.Length), .. body.ToArray()];
    }

    /// <summary>An 8-byte tag: type and byte count, little-endian.</summary>
    public static byte[] Tag(int type, long size)
    {
        var tag = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tag, type);
        BinaryPrimitives.WriteUInt32LittleEndian(tag.AsSpan(4), (uint)size);
        return tag;
    }

    // The small data element: byte count in the upper 16 bits of the first word, type in the lower, data in the second.
    static byte[] SmallTag(int type, byte[] data, int claimedBytes)
    {
        var tag = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(tag, (uint)(claimedBytes << 16 | type));
        data.CopyTo(tag, 4);
        return tag;
    }

    static int Pad8(int n) => (n + 7) / 8 * 8;
}
