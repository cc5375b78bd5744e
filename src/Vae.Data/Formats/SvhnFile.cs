namespace Vae.Data.Formats;

/// <summary>
/// Reads an SVHN cropped-digits file (<c>train_32x32.mat</c>, <c>test_32x32.mat</c>, <c>extra_32x32.mat</c>):
/// <c>X</c> is uint8 [32, 32, 3, N], column-major (row fastest, then column, channel, image), and
/// <c>y</c> is [N, 1] with labels 1..10, where 10 stands for the digit 0.
/// </summary>
internal static class SvhnFile
{
    /// <summary>Image side length in pixels.</summary>
    public const int Side = 32;

    /// <summary>Reads images (row-major [N, 3, 32, 32] bytes) and labels (0..9).</summary>
    /// <param name="path">The .mat file.</param>
    /// <param name="limit">Read only the first this many images and labels (a prefix, on purpose).</param>
    /// <param name="expectedItems">The number of images the file must hold (73,257 for train, 26,032 for test), checked
    /// before anything is allocated; null when unknown.</param>
    /// <exception cref="DatasetException">Missing, truncated or malformed file.</exception>
    public static (byte[] Pixels, long[] Labels) Read(string path, int? limit = null, int? expectedItems = null)
    {
        var x = MatFormat.ReadVariable(path, "X", limit, expectedItems * 3L * Side * Side);
        if (x.ClassId != MatFormat.UInt8Class || x.Bytes is null)
            throw new DatasetException(DatasetErrorKind.Format, path, $"variable 'X' is not a uint8 array stored as uint8 (MATLAB class {x.ClassId}; uint8 is {MatFormat.UInt8Class})", "is this an SVHN *_32x32.mat file?");
        if (x.Dimensions.Count != 4 || x.Dimensions[0] != Side || x.Dimensions[1] != Side || x.Dimensions[2] != 3)
            throw new DatasetException(DatasetErrorKind.Format, path, $"variable 'X' has dimensions [{string.Join(", ", x.Dimensions)}], expected [32, 32, 3, N]", "is this an SVHN *_32x32.mat file?");
        int n = x.Dimensions[3];
        if (expectedItems is int expected && limit is null && n != expected)
            throw new DatasetException(DatasetErrorKind.Format, path, $"variable 'X' holds {n:N0} images, expected {expected:N0}", "is this the right split's file? download it again");
        // [N, 1]: small, read whole, then the prefix is taken; it may not claim more labels than the file has images.
        var y = MatFormat.ReadVariable(path, "y", maxElements: expectedItems ?? (limit is null ? n : null));
        long labelCount = y.Dimensions.Aggregate(1L, (a, d) => a * d);
        bool shapeOk = y.Doubles is not null && y.Dimensions.Count == 2 && y.Dimensions[1] == 1;
        if (!shapeOk || (limit is null ? labelCount != n : labelCount < n))
            throw new DatasetException(DatasetErrorKind.Mismatch, path, $"variable 'y' has dimensions [{string.Join(", ", y.Dimensions)}] but 'X' holds {n} images", "the file is inconsistent; download it again");
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            double v = y.Doubles![i];
            if (v != Math.Floor(v) || v < 1 || v > 10)
                throw new DatasetException(DatasetErrorKind.Format, path, $"label {i} is {v}, expected an integer in 1..10", "the file is corrupt; download it again");
            labels[i] = v == 10 ? 0 : (long)v;
        }
        return (ColumnMajorToNchw(x.Bytes, n), labels);
    }

    /// <summary>Reorders column-major [32, 32, 3, N] (index r + 32c + 1024ch + 3072n) to row-major [N, 3, 32, 32] (index 3072n + 1024ch + 32r + c).</summary>
    public static byte[] ColumnMajorToNchw(byte[] columnMajor, int n)
    {
        const int plane = Side * Side, image = 3 * plane;
        var result = new byte[columnMajor.Length];
        Parallel.For(0, n, i =>
        {
            int baseOffset = i * image;
            for (int ch = 0; ch < 3; ch++)
            {
                int p = baseOffset + ch * plane;
                for (int c = 0; c < Side; c++)
                    for (int r = 0; r < Side; r++)
                        result[p + r * Side + c] = columnMajor[p + c * Side + r];
            }
        });
        return result;
    }
}
