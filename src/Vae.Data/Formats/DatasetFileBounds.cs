using Vae.Core.Files;

namespace Vae.Data.Formats;

/// <summary>The dataset side of <see cref="RegularFile"/>: the bound on a dataset file, and the words for a damaged gzip stream.</summary>
internal static class DatasetFileBounds
{
    /// <summary>The most bytes a dataset file may have (SVHN's extra split, the largest, is 1.3 GB as a .mat file).</summary>
    public const long MaxDatasetFileBytes = 4L << 30;

    /// <summary>Opens a dataset file: a regular file (after links) of at most <see cref="MaxDatasetFileBytes"/>; otherwise a one-line <see cref="DatasetException"/>.</summary>
    public static FileStream OpenDataset(string path) =>
        RegularFile.OpenRead(path, MaxDatasetFileBytes, "a dataset file", p => new DatasetException(DatasetErrorKind.Format, path, p, "point the data folder at the real file, or delete it and fetch it again"));

    /// <summary>
    /// The message for a gzip stream that fails to inflate. .NET reports a failed CRC-32 or length check of the trailer as
    /// "unsupported compression method", which sends the user the wrong way: the file is damaged.
    /// </summary>
    public static string GzipProblem(InvalidDataException e) =>
        e.Message.Contains("compression method", StringComparison.OrdinalIgnoreCase)
            ? "corrupt gzip stream (its inflated data fail the CRC-32 or length check of its trailer, or do not inflate)"
            : $"corrupt or truncated gzip stream ({e.Message})";

}
