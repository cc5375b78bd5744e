namespace Vae.Data;

/// <summary>What went wrong with a dataset file; lets callers and tests tell cases apart.</summary>
public enum DatasetErrorKind
{
    /// <summary>The file or dataset could not be found.</summary>
    Missing,
    /// <summary>The file is not in the expected format (magic, type, dimensions, variables).</summary>
    Format,
    /// <summary>The file ends before the data its header promises.</summary>
    Truncated,
    /// <summary>Image and label files disagree (counts).</summary>
    Mismatch,
    /// <summary>The decompressed payload does not have the known SHA-256.</summary>
    Checksum,
    /// <summary>Downloading or unpacking failed.</summary>
    Acquisition,
}

/// <summary>
/// A dataset problem, reported as one line that names the file, says what is wrong and what to do.
/// Readers throw only this type for bad input: never an index or cast error, never partial data.
/// </summary>
public sealed class DatasetException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">The category of the problem.</param>
    /// <param name="path">The file or folder concerned.</param>
    /// <param name="problem">What is wrong, e.g. "wrong magic number 0x00000000 (expected 0x00000803)".</param>
    /// <param name="remedy">What to do about it, e.g. "delete the file and run `data info mnist` again".</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public DatasetException(DatasetErrorKind kind, string path, string problem, string remedy, Exception? inner = null)
        : base($"{path}: {problem}; {remedy}", inner)
    {
        Kind = kind;
        Path = path;
        Problem = problem;
    }

    /// <summary>The category of the problem.</summary>
    public DatasetErrorKind Kind { get; }

    /// <summary>The file or folder concerned.</summary>
    public string Path { get; }

    /// <summary>The problem alone, without path and remedy.</summary>
    public string Problem { get; }
}
