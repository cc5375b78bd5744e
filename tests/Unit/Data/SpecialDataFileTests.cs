using Vae.Data;
using Vae.Data.Formats;
using Vae.Tests.Unit.Core;
using Xunit;

namespace Vae.Tests.Unit.Data;

/// <summary>
/// Data files are read only when they are regular files after links: a FIFO, a device or a folder in a data folder is
/// one line naming what it is, within a time limit, never a hang or an endless read.
/// </summary>
public sealed class SpecialDataFileTests
{
    const string Remedy = "point the data folder at the real file, or delete it and fetch it again";

    static DatasetException Reading(string path, Func<string, object> read) =>
        FileFixtures.WithinSeconds(20, () => Assert.Throws<DatasetException>(() => read(path)));

    [Fact]
    public void An_idx_file_that_is_a_fifo_is_named_as_one_and_never_opened()
    {
        using var dir = new TempDir();
        string path = dir.File("t10k-images-idx3-ubyte");
        File.WriteAllText(path, "");
        FileFixtures.Fifo(path);
        var e = Reading(path, p => IdxFormat.Read(p, 3));
        Assert.Equal($"{path}: is a FIFO (named pipe), not a regular file; {Remedy}", e.Message);
    }

    [Fact]
    public void An_idx_file_linked_to_dev_zero_is_a_character_device_not_an_endless_read()
    {
        using var dir = new TempDir();
        string path = dir.File("t10k-labels-idx1-ubyte");
        File.CreateSymbolicLink(path, "/dev/zero");
        var e = Reading(path, p => IdxFormat.Read(p, 1));
        Assert.Equal($"{path}: is a character device, not a regular file; {Remedy}", e.Message);
    }

    [Fact]
    public void A_mat_file_that_is_a_folder_is_named_as_one()
    {
        using var dir = new TempDir();
        string path = dir.File("test_32x32.mat");
        Directory.CreateDirectory(path);
        File.CreateSymbolicLink(dir.File("link.mat"), path);
        var e = Reading(dir.File("link.mat"), p => MatFormat.ReadVariable(p, "X"));
        Assert.Equal($"{dir.File("link.mat")}: is a folder, not a regular file; {Remedy}", e.Message);
    }
}
