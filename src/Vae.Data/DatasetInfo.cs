namespace Vae.Data;

/// <summary>Which part of a dataset.</summary>
public enum Split
{
    /// <summary>The training split.</summary>
    Train,
    /// <summary>The test split.</summary>
    Test,
}

/// <summary>Metadata of a loaded dataset split.</summary>
/// <param name="Name">Dataset name, e.g. "mnist".</param>
/// <param name="Split">Which split.</param>
/// <param name="Count">Number of images.</param>
/// <param name="Channels">Channels per image (1 for MNIST, 3 for SVHN).</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="ClassNames">Names of the classes, indexed by label.</param>
public sealed record DatasetInfo(string Name, Split Split, int Count, int Channels, int Height, int Width, IReadOnlyList<string> ClassNames)
{
    /// <summary>Pixels per image (C·H·W).</summary>
    public int PixelsPerImage => Channels * Height * Width;
}

/// <summary>What a dataset's images look like, known before it is loaded (<see cref="Acquisition.DatasetStore.Shape"/>).</summary>
/// <param name="Name">Dataset name, e.g. "mnist".</param>
/// <param name="Channels">Channels per image (1 for MNIST, 3 for SVHN).</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="ClassNames">Names of the classes, indexed by label.</param>
public sealed record DatasetShape(string Name, int Channels, int Height, int Width, IReadOnlyList<string> ClassNames);
