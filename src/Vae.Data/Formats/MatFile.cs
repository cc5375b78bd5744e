using Vae.Core.Files;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Vae.Data.Formats;

/// <summary>A numeric MAT-file variable: name, MATLAB class, dimensions and the real part, column-major.</summary>
/// <param name="Name">Variable name, e.g. "X".</param>
/// <param name="ClassId">MATLAB array class (6 = double, 9 = uint8, ...).</param>
/// <param name="Dimensions">Dimensions as stored, e.g. [32, 32, 3, 73257].</param>
/// <param name="Bytes">For uint8 arrays: the elements, column-major; otherwise null.</param>
/// <param name="Doubles">For other numeric classes: the elements converted to double, column-major; otherwise null.</param>
internal sealed record MatVariable(string Name, int ClassId, IReadOnlyList<int> Dimensions, byte[]? Bytes, double[]? Doubles);

/// <summary>
/// A small reader for MATLAB 5.0 MAT-files (MathWorks, "MAT-File Format", 2019, ch. 1), enough for
/// SVHN: a 128-byte header, then data elements, each an 8-byte tag (type, byte count) or the 4-byte
/// "small element" form; numeric arrays are miMATRIX elements (array flags, dimensions, name, real
/// part), usually inside a zlib-compressed miCOMPRESSED element. Variables are streamed: a skipped
/// variable is never inflated, and a read one is inflated once, straight into its array.
/// </summary>
internal static class MatFormat
{
    const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7,
        MiDouble = 9, MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15;

    /// <summary>MATLAB class id of double arrays.</summary>
    public const int DoubleClass = 6;

    /// <summary>MATLAB class id of uint8 arrays.</summary>
    public const int UInt8Class = 9;

    const string Remedy = "download the file again (see `data info svhn`)";

    // Deflate's largest expansion is about 1032:1 (RFC 1951: a 258-byte match costs at least 2 bits).
    const long DeflateMaxRatio = 1032;

    /// <summary>
    /// Reads the named variable. With <paramref name="limitLastDim"/>, reads only the first that many
    /// slices along the last dimension (a prefix, on purpose); otherwise the whole array must be present.
    /// Memory is bounded before anything is allocated: a variable may not claim more than
    /// <paramref name="maxElements"/> elements, nor more bytes than its element could hold (the element's stored
    /// size, or 1032 times it for a compressed element: deflate's largest ratio).
    /// </summary>
    /// <exception cref="DatasetException">Missing file or variable, bad header, truncated or corrupt stream, or a size claim over the bounds.</exception>
    public static MatVariable ReadVariable(string path, string name, int? limitLastDim = null, long? maxElements = null)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) // a folder is named as one below
            throw new DatasetException(DatasetErrorKind.Missing, path, "file not found", "check the path");
        using var file = DatasetFileBounds.OpenDataset(path);
        ReadHeader(file, path);
        var seen = new List<string>();
        while (true)
        {
            long start = file.Position;
            var tag = new byte[8];
            int got = file.ReadAtLeast(tag, 8, throwOnEndOfStream: false);
            if (got == 0)
                throw new DatasetException(DatasetErrorKind.Format, path, $"no variable '{name}' (variables found: {Describe(seen)})", "is this an SVHN *_32x32.mat file? " + Remedy);
            if (got < 8)
                throw new DatasetException(DatasetErrorKind.Truncated, path, $"truncated: the file ends inside an element tag before variable '{name}' was found (variables found: {Describe(seen)})", Remedy);
            int type = BinaryPrimitives.ReadInt32LittleEndian(tag);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(tag.AsSpan(4));
            long next = type == MiCompressed ? start + 8 + size : start + 8 + Pad8(size);
            bool truncatedElement = next > file.Length;
            try
            {
                if (type == MiCompressed)
                {
                    using var zlib = new ZLibStream(file, CompressionMode.Decompress, leaveOpen: true);
                    var variable = ReadMatrix(zlib, path, name, limitLastDim, truncatedElement, seen, Math.Min(size, file.Length - start - 8) * DeflateMaxRatio, maxElements);
                    if (variable is not null) return variable;
                }
                else if (type == MiMatrix)
                {
                    file.Position = start;
                    var variable = ReadMatrix(file, path, name, limitLastDim, truncatedElement, seen, Math.Min(size, file.Length - start - 8), maxElements);
                    if (variable is not null) return variable;
                }
            }
            catch (InvalidDataException e)
            {
                throw new DatasetException(DatasetErrorKind.Truncated, path, $"corrupt or truncated zlib stream in variable '{seen.LastOrDefault() ?? "?"}' ({e.Message})", Remedy, e);
            }
            if (truncatedElement)
                throw new DatasetException(DatasetErrorKind.Truncated, path, $"truncated: the file ends inside variable '{seen.LastOrDefault() ?? "?"}' before variable '{name}' (file is {file.Length} bytes, the element needs {next})", Remedy);
            file.Position = next;
        }
    }

    static string Describe(List<string> seen) => seen.Count == 0 ? "none" : string.Join(", ", seen);

    static void ReadHeader(FileStream file, string path)
    {
        var header = new byte[128];
        if (file.ReadAtLeast(header, 128, throwOnEndOfStream: false) < 128)
            throw new DatasetException(DatasetErrorKind.Truncated, path, "truncated: shorter than the 128-byte MAT-file header", Remedy);
        string text = Encoding.ASCII.GetString(header, 0, 10);
        if (!text.StartsWith("MATLAB 5.0", StringComparison.Ordinal))
            throw new DatasetException(DatasetErrorKind.Format, path, "not a MATLAB 5.0 MAT-file (header does not start with 'MATLAB 5.0'; v7.3 HDF5 files are not supported)", Remedy);
        if (header[126] != (byte)'I' || header[127] != (byte)'M')
            throw new DatasetException(DatasetErrorKind.Format, path, "big-endian MAT-files are not supported", Remedy);
    }

    /// <summary>Reads an miMATRIX element from <paramref name="s"/>; returns null when its name is not <paramref name="wanted"/>.</summary>
    static MatVariable? ReadMatrix(Stream s, string path, string wanted, int? limit, bool truncated, List<string> seen, long maxBytes, long? maxElements)
    {
        var (type, _) = ReadTag(s, path, "matrix tag");
        if (type != MiMatrix) return null;
        var (flagsType, flagsSize) = ReadTag(s, path, "array flags");
        Header(path, "array flags", flagsSize, 8, 16);
        var flags = ReadBytes(s, (int)Pad8(flagsSize), path, "array flags");
        if (flagsType != MiUInt32) throw Bad(path, "array flags are not miUINT32");
        int classId = flags[0];
        var (dimsType, dimsSize) = ReadTag(s, path, "dimensions");
        if (dimsType != MiInt32) throw Bad(path, "dimensions are not miINT32");
        Header(path, "dimensions", dimsSize, 8, 4 * 32); // MATLAB arrays have at most 32 dimensions
        var dimBytes = ReadBytes(s, (int)Pad8(dimsSize), path, "dimensions");
        var dims = new int[dimsSize / 4];
        for (int i = 0; i < dims.Length; i++) dims[i] = BinaryPrimitives.ReadInt32LittleEndian(dimBytes.AsSpan(4 * i));
        var (nameType, nameSize, nameBytes) = ReadSmallOrNormal(s, path);
        if (nameType != MiInt8) throw Bad(path, "array name is not miINT8");
        string name = Encoding.ASCII.GetString(nameBytes, 0, nameSize);
        seen.Add(name);
        if (name != wanted) return null;

        long total = 1;
        foreach (int d in dims)
        {
            if (d < 0) throw Bad(path, $"variable '{name}' has a negative dimension {d}");
            total *= d; // each factor < 2^31 and total ≤ Array.MaxLength before it: no overflow
            if (total > Array.MaxLength) throw Bad(path, $"variable '{name}' has dimensions [{string.Join(", ", dims)}] too large for one array");
        }
        if (maxElements is long cap && total > cap)
            throw Bad(path, $"variable '{name}' claims dimensions [{string.Join(", ", dims)}], {total:N0} elements, more than the {cap:N0} this dataset file has");
        // The dimensions header holds 8 to 128 bytes, so there are at least two dimensions.
        long sliceSize = total / Math.Max(1, dims[^1]);
        int slices = dims[^1];
        if (limit is int l)
        {
            if (l <= 0 || l > slices) throw new ArgumentOutOfRangeException(nameof(limit), $"limit must be in 1..{slices}, got {l}");
            slices = l;
        }
        long count = sliceSize * slices;
        var (dataType, dataSize) = ReadTag(s, path, "data");
        int elementSize = ElementSize(dataType) ?? throw Bad(path, $"variable '{name}' has unsupported element type {dataType}");
        if (dataSize != total * elementSize)
            throw Bad(path, $"variable '{name}' holds {dataSize} bytes of data but its dimensions [{string.Join(", ", dims)}] need {total * elementSize}");
        if (count * elementSize > Array.MaxLength) throw Bad(path, $"variable '{name}' is too large");
        if (count * elementSize > maxBytes)
            throw new DatasetException(DatasetErrorKind.Truncated, path,
                $"variable '{name}' claims {count * elementSize:N0} bytes of data, more than its {maxBytes:N0}-byte element can hold", Remedy);
        var raw = new byte[count * elementSize];
        int got = s.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        if (got < raw.Length)
        {
            long whole = got / elementSize / sliceSize;
            throw new DatasetException(DatasetErrorKind.Truncated, path,
                $"truncated: only {whole} of {dims[^1]} images (slices of variable '{name}' [{string.Join(", ", dims)}]) could be read" + (truncated ? ", the file ends early" : ""),
                "download the complete file, or ask for a prefix explicitly with a limit");
        }
        var outDims = (int[])dims.Clone();
        outDims[^1] = slices;
        if (classId == UInt8Class && dataType == MiUInt8) return new MatVariable(name, classId, outDims, raw, null);
        var values = new double[count];
        for (long i = 0; i < count; i++) values[i] = ToDouble(raw, dataType, (int)(i * elementSize));
        return new MatVariable(name, classId, outDims, null, values);
    }

    static (int Type, long Size) ReadTag(Stream s, string path, string what)
    {
        var (type, size, small) = ReadTagRaw(s, path, what);
        if (small is not null) throw Bad(path, $"unexpected small element for {what}");
        return (type, size);
    }

    static (int Type, int Size, byte[] Data) ReadSmallOrNormal(Stream s, string path)
    {
        var (type, size, small) = ReadTagRaw(s, path, "array name");
        // MATLAB names have at most 63 characters; a small element holds at most its 4 bytes.
        Header(path, "array name", size, 0, small is null ? 63 : small.Length);
        if (small is not null) return (type, (int)size, small);
        return (type, (int)size, ReadBytes(s, (int)Pad8(size), path, "array name"));
    }

    // The small sub-elements of an array header have sizes the format bounds; a larger claim is damage, refused before reading.
    static void Header(string path, string what, long size, long min, long max)
    {
        if (size < min || size > max) throw Bad(path, $"the {what} claim {size} bytes (expected {min} to {max})");
    }

    static (int Type, long Size, byte[]? Small) ReadTagRaw(Stream s, string path, string what)
    {
        var tag = ReadBytes(s, 8, path, what);
        uint first = BinaryPrimitives.ReadUInt32LittleEndian(tag);
        if ((first >> 16) != 0) return ((int)(first & 0xffff), first >> 16, tag[4..]); // small data element
        return ((int)first, BinaryPrimitives.ReadUInt32LittleEndian(tag.AsSpan(4)), null);
    }

    static byte[] ReadBytes(Stream s, int n, string path, string what)
    {
        var buffer = new byte[n];
        if (s.ReadAtLeast(buffer, n, throwOnEndOfStream: false) < n)
            throw new DatasetException(DatasetErrorKind.Truncated, path, $"truncated: the stream ends inside the {what}", Remedy);
        return buffer;
    }

    static int? ElementSize(int type) => type switch
    {
        MiInt8 or MiUInt8 => 1,
        MiInt16 or MiUInt16 => 2,
        MiInt32 or MiUInt32 or MiSingle => 4,
        MiDouble or MiInt64 or MiUInt64 => 8,
        _ => null,
    };

    static double ToDouble(byte[] b, int type, int o) => type switch
    {
        MiInt8 => (sbyte)b[o],
        MiUInt8 => b[o],
        MiInt16 => BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(o)),
        MiUInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(o)),
        MiInt32 => BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(o)),
        MiUInt32 => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o)),
        MiSingle => BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(o)),
        MiDouble => BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(o)),
        MiInt64 => BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(o)),
        _ => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(o)),
    };

    static long Pad8(long n) => (n + 7) & ~7L;

    static DatasetException Bad(string path, string problem) => new(DatasetErrorKind.Format, path, problem, Remedy);
}
