using Vae.Core.Files;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Vae.Data.Formats;

/// <summary>The contents of an IDX file: dimensions, the unsigned-byte payload, and the SHA-256 of the decompressed file.</summary>
/// <param name="Dimensions">Sizes from the header, e.g. [60000, 28, 28] for images or [60000] for labels.</param>
/// <param name="Data">The payload, row-major, one byte per element.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the whole decompressed file (header included).</param>
internal sealed record IdxFile(IReadOnlyList<int> Dimensions, byte[] Data, string Sha256);

/// <summary>
/// Reader and writer for the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
/// a big-endian header <c>00 00 08 nd</c> (0x08 = unsigned byte, nd = number of dimensions), then nd
/// big-endian int32 sizes, then the data. Files may be gzip-compressed (detected by their first bytes).
/// </summary>
internal static class IdxFormat
{
    /// <summary>Magic number of an image file (unsigned bytes, 3 dimensions).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of a label file (unsigned bytes, 1 dimension).</summary>
    public const int LabelsMagic = 0x00000801;

    const string Remedy = "delete it and let `data info` fetch a fresh copy";

    /// <summary>The first allocation for a gzip payload; it doubles as real bytes arrive, up to the declared size.</summary>
    const int GzipChunk = 16 << 20;

    /// <summary>Fills <paramref name="data"/> from <paramref name="s"/>, doubling it (up to <paramref name="total"/>) only when full; returns the bytes read.</summary>
    static int ReadGrowing(Stream s, ref byte[] data, long total, IncrementalHash hash)
    {
        int read = 0;
        while (true)
        {
            int n = s.Read(data, read, data.Length - read);
            if (n == 0) return read;
            hash.AppendData(data, read, n);
            read += n;
            if (read == data.Length)
            {
                if (data.Length == total) return read;
                Array.Resize(ref data, (int)Math.Min(total, 2L * data.Length));
            }
        }
    }

    /// <summary>
    /// Reads an IDX file of unsigned bytes with exactly <paramref name="expectedDimensions"/> dimensions and, when
    /// <paramref name="expectedItems"/> is given, exactly that first dimension. Memory stays bounded by what the file
    /// really holds: a raw file's declared size is checked against its length, and a gzip stream is decompressed in
    /// chunks into a buffer that grows with the bytes actually inflated, never past the declared size.
    /// </summary>
    /// <exception cref="DatasetException">Missing file, wrong magic, wrong item count, truncation, trailing bytes, corrupt gzip.</exception>
    public static IdxFile Read(string path, int expectedDimensions, int? expectedItems = null)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) // a folder is named as one below
            throw new DatasetException(DatasetErrorKind.Missing, path, "file not found", "check the path or run `data info` to fetch the dataset");
        try
        {
            using var file = DatasetFileBounds.OpenDataset(path);
            using Stream payload = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var header = new byte[4];
            ReadExactly(payload, header, hash, path, "header");
            int magic = BinaryPrimitives.ReadInt32BigEndian(header);
            int expectedMagic = 0x00000800 | expectedDimensions;
            if (magic != expectedMagic)
                throw new DatasetException(DatasetErrorKind.Format, path, $"wrong magic number 0x{magic:x8} (expected 0x{expectedMagic:x8}: unsigned bytes, {expectedDimensions} dimension(s))", "is this the right file? " + Remedy);
            var dimBytes = new byte[4 * expectedDimensions];
            ReadExactly(payload, dimBytes, hash, path, "dimensions");
            var dims = new int[expectedDimensions];
            long total = 1;
            for (int i = 0; i < dims.Length; i++)
            {
                dims[i] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * i));
                if (dims[i] <= 0) throw new DatasetException(DatasetErrorKind.Format, path, $"dimension {i} is {dims[i]}", Remedy);
                total *= dims[i]; // each factor < 2^31 and total ≤ Array.MaxLength before it: no overflow
                if (total > Array.MaxLength)
                    throw new DatasetException(DatasetErrorKind.Format, path, $"dimensions [{string.Join(", ", dims[..(i + 1)])}...] describe more bytes than one array can hold", Remedy);
            }
            if (expectedItems is int items && dims[0] != items)
                throw new DatasetException(DatasetErrorKind.Format, path, $"the header declares {dims[0]} items; this file must hold exactly {items}", "is this the right file? " + Remedy);
            long available = payload == file ? file.Length - file.Position : long.MaxValue;
            if (available < total)
                throw new DatasetException(DatasetErrorKind.Truncated, path, $"truncated: dimensions [{string.Join(", ", dims)}] need {total} data bytes but the file holds {available}", Remedy);
            var data = payload == file ? new byte[total] : new byte[Math.Min(total, GzipChunk)];
            int read = payload == file ? ReadUpTo(payload, data, hash) : ReadGrowing(payload, ref data, total, hash);
            if (read < total)
                throw new DatasetException(DatasetErrorKind.Truncated, path, $"truncated: dimensions [{string.Join(", ", dims)}] need {total} data bytes but the file holds {read}", Remedy);
            var probe = new byte[1];
            if (payload.Read(probe, 0, 1) != 0)
                throw new DatasetException(DatasetErrorKind.Format, path, $"the file is longer than its dimensions [{string.Join(", ", dims)}] say", Remedy);
            return new IdxFile(dims, data, Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant());
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException(DatasetErrorKind.Truncated, path, DatasetFileBounds.GzipProblem(e), Remedy, e);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new DatasetException(DatasetErrorKind.Format, path, $"cannot read: {e.Message}", Remedy, e);
        }
    }

    /// <summary>Writes unsigned bytes as an IDX file, gzip-compressed when <paramref name="gzip"/> is true.</summary>
    public static void Write(string path, IReadOnlyList<int> dimensions, ReadOnlySpan<byte> data, bool gzip)
    {
        long total = 1;
        foreach (int d in dimensions) total *= d;
        if (total != data.Length) throw new ArgumentException($"dimensions [{string.Join(", ", dimensions)}] need {total} bytes, got {data.Length}", nameof(data));
        using var file = File.Create(path);
        using Stream output = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, 0x00000800 | dimensions.Count);
        output.Write(word);
        foreach (int d in dimensions)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            output.Write(word);
        }
        output.Write(data);
    }

    /// <summary>SHA-256 (lower-case hex) of a file's decompressed content.</summary>
    public static string DecompressedSha256(string path)
    {
        using var file = DatasetFileBounds.OpenDataset(path);
        using Stream payload = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : file;
        return Convert.ToHexString(SHA256.HashData(payload)).ToLowerInvariant();
    }

    static bool IsGzip(FileStream file)
    {
        Span<byte> head = stackalloc byte[2];
        int n = file.Read(head);
        file.Position = 0;
        return n == 2 && head[0] == 0x1f && head[1] == 0x8b;
    }

    static void ReadExactly(Stream s, byte[] buffer, IncrementalHash hash, string path, string what)
    {
        if (ReadUpTo(s, buffer, hash) < buffer.Length)
            throw new DatasetException(DatasetErrorKind.Truncated, path, $"truncated: the file ends inside the {what}", Remedy);
    }

    static int ReadUpTo(Stream s, byte[] buffer, IncrementalHash hash)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = s.Read(buffer, total, Math.Min(buffer.Length - total, 1 << 20));
            if (n == 0) break;
            hash.AppendData(buffer, total, n);
            total += n;
        }
        return total;
    }
}
