using Vae.Data;
using Vae.Data.Acquisition;
using Vae.Data.Formats;
using Xunit;

namespace Vae.Tests.Unit.Data;

public sealed class DatasetStoreTests
{
    static readonly DataOptions Offline = new(AllowDownload: false, AllowPackageManagers: false);

    static void WriteMnistLike(string folder, int images, int labels)
    {
        Directory.CreateDirectory(folder);
        IdxFormat.Write(Path.Combine(folder, "t10k-images-idx3-ubyte"), [images, 28, 28], new byte[images * 784], gzip: false);
        IdxFormat.Write(Path.Combine(folder, "t10k-labels-idx1-ubyte"), [labels], new byte[labels], gzip: false);
    }

    [Fact]
    public void Files_whose_content_differs_from_the_known_checksum_are_rejected()
    {
        using var dir = new TempDir();
        WriteMnistLike(Path.Combine(dir.Path, "mnist"), 10_000, 10_000); // the right counts (all-black images), the wrong content
        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load("mnist", Split.Test, Offline with { DataDir = dir.Path }));
        Assert.Equal(DatasetErrorKind.Checksum, e.Kind);
        Assert.Contains("checksum mismatch: decompressed SHA-256 is", e.Message);
        Assert.Contains("expected 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", e.Message);
    }

    [Fact]
    public void A_data_folder_without_the_files_names_what_is_missing_and_what_to_do()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load("mnist", Split.Test, Offline with { DataDir = dir.Path }));
        Assert.Equal(DatasetErrorKind.Missing, e.Kind);
        Assert.Contains("mnist test files not found: t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte", e.Message);
        Assert.Contains("download the four files from", e.Message);
    }

    [Fact]
    public void Svhn_without_files_says_where_to_download_it_and_where_to_put_it()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load("svhn", Split.Train, Offline with { DataDir = dir.Path }));
        Assert.Contains("http://ufldl.stanford.edu/housenumbers/", e.Message);
        Assert.Contains("<data-dir>/svhn/", e.Message);
    }

    [Fact]
    public void An_unknown_dataset_name_lists_the_valid_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => DatasetCatalog.Get("cifar"));
        Assert.Contains("valid names: mnist, fashion-mnist, svhn", e.Message);
    }

    [Fact]
    public void The_data_root_prefers_the_explicit_folder_then_VAE_DATA_DIR_then_the_XDG_cache()
    {
        Assert.Equal("/explicit", DatasetStore.DataRoot("/explicit"));
        string? saved = Environment.GetEnvironmentVariable("VAE_DATA_DIR");
        try
        {
            Environment.SetEnvironmentVariable("VAE_DATA_DIR", "/from-env");
            Assert.Equal("/from-env", DatasetStore.DataRoot(null));
        }
        finally
        {
            Environment.SetEnvironmentVariable("VAE_DATA_DIR", saved);
        }
    }

    [Fact]
    public void The_svhn_sample_is_used_for_both_splits_only_when_allowed()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "svhn"));
        File.Copy(SharedData.Svhn("sample_32x32.mat"), Path.Combine(dir.Path, "svhn", "sample_32x32.mat"));
        Assert.Throws<DatasetException>(() => DatasetStore.Load("svhn", Split.Test, Offline with { DataDir = dir.Path }));
        var loaded = DatasetStore.Load("svhn", Split.Test, Offline with { DataDir = dir.Path, AllowSample = true });
        using var ds = loaded.Dataset;
        Assert.Equal(64, ds.Count);
        Assert.Equal(new long[] { 64, 3, 32, 32 }, ds.Images.shape);
    }
}

public sealed class DatasetStoreStructureTests
{
    [Fact]
    public void Files_whose_headers_declare_other_counts_than_the_dataset_has_are_rejected_before_reading_their_data()
    {
        // MNIST's test split has exactly 10,000 images and labels (DatasetCatalog); a header that says otherwise is refused
        // at once, so two files of different counts never get as far as being compared with each other.
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "mnist");
        Directory.CreateDirectory(folder);
        IdxFormat.Write(Path.Combine(folder, "t10k-images-idx3-ubyte"), [5, 28, 28], new byte[5 * 784], gzip: false);
        IdxFormat.Write(Path.Combine(folder, "t10k-labels-idx1-ubyte"), [4], new byte[4], gzip: false);
        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load("mnist", Split.Test, new DataOptions(dir.Path, false, false)));
        Assert.Equal(DatasetErrorKind.Format, e.Kind);
        Assert.Contains("t10k-images-idx3-ubyte", e.Message);
        Assert.Contains("the header declares 5 items; this file must hold exactly 10000", e.Message);
    }
}
