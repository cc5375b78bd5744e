using System.Diagnostics;
using System.Net.Sockets;
using Vae.Core.Files;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// What <see cref="RegularFile"/> says of each kind of path, the bound to the byte, the reader's text, the gzip words,
/// and file identities against coreutils' `stat` (an independent reading of the same inode).
/// </summary>
public sealed class RegularFileTests
{
    const long Bound = 100;

    static string? Problem(string path) => RegularFile.Problem(path, Bound, "a test file");

    [Fact]
    public void A_regular_file_may_hold_its_bound_and_not_a_byte_more()
    {
        using var dir = new TempDir();
        string path = dir.File("f");
        File.WriteAllBytes(path, new byte[Bound]);
        Assert.Null(Problem(path));
        Assert.Equal(Bound, RegularFile.ReadAllBytes(path, Bound, "a test file", p => new IOException(p)).Length); // exactly the bound opens too
        File.WriteAllBytes(path, new byte[Bound + 1]);
        Assert.Equal("is 101 bytes, more than the 100 a test file can hold", Problem(path));
        var e = Assert.Throws<IOException>(() => RegularFile.ReadAllBytes(path, Bound, "a test file", p => new IOException(p)));
        Assert.Equal("is 101 bytes, more than the 100 a test file can hold", e.Message);
    }

    [Fact]
    public void Each_kind_of_path_that_is_not_a_regular_file_is_named()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("folder"));
        File.WriteAllText(dir.File("fifo"), "");
        FileFixtures.Fifo(dir.File("fifo"));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(dir.File("socket")));
        File.CreateSymbolicLink(dir.File("dangling"), dir.File("nothing"));
        File.CreateSymbolicLink(dir.File("loop1"), dir.File("loop2"));
        File.CreateSymbolicLink(dir.File("loop2"), dir.File("loop1"));
        File.WriteAllText(dir.File("plain"), "x");

        Assert.Equal("is a folder, not a regular file", Problem(dir.File("folder")));
        Assert.Equal("is a FIFO (named pipe), not a regular file", Problem(dir.File("fifo")));
        Assert.Equal("is a socket, not a regular file", Problem(dir.File("socket")));
        Assert.Equal("is a character device, not a regular file", Problem("/dev/null"));
        Assert.Equal("is a symbolic link to nothing", Problem(dir.File("dangling")));
        Assert.Equal("does not exist", Problem(dir.File("nothing")));
        Assert.Equal("is a symbolic link that loops", Problem(dir.File("loop1")));
        Assert.Equal("lies under something that is not a folder", Problem(Path.Combine(dir.File("plain"), "inside")));
    }

    [Fact]
    public void Look_up_failures_name_the_errno_they_have_no_words_for()
    {
        // Permission denied cannot be staged as root, so the mapping is checked directly (errno 13 is EACCES on Linux).
        Assert.Equal("cannot be read (permission denied)", RegularFile.LookupFailure("/x", 13));
        Assert.Equal("cannot be examined (errno 36)", RegularFile.LookupFailure("/x", 36));
    }

    [Fact]
    public void Text_is_read_as_utf8_or_by_its_byte_order_mark()
    {
        using var dir = new TempDir();
        string path = dir.File("f.json");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}']);           // UTF-8 with its BOM
        Assert.Equal("{}", RegularFile.ReadAllText(path, Bound, "a test file", p => new IOException(p)));
        File.WriteAllBytes(path, [0xFF, 0xFE, (byte)'{', 0, (byte)'}', 0]);             // UTF-16 LE with its BOM
        Assert.Equal("{}", RegularFile.ReadAllText(path, Bound, "a test file", p => new IOException(p)));
        File.WriteAllBytes(path, [0xC3, 0xA9]);                                         // "é" in UTF-8, no BOM
        Assert.Equal("é", RegularFile.ReadAllText(path, Bound, "a test file", p => new IOException(p)));
    }

    [Fact]
    public void A_failed_gzip_trailer_check_is_called_corruption_and_other_failures_keep_their_words()
    {
        // .NET's words for a stream whose trailer check fails (System.IO.Compression's resource text).
        Assert.Equal("corrupt gzip stream (its inflated data fail the CRC-32 or length check of its trailer, or do not inflate)",
            Vae.Data.Formats.DatasetFileBounds.GzipProblem(new InvalidDataException("The archive entry was compressed using an unsupported compression method.")));
        Assert.Equal("corrupt or truncated gzip stream (Block length does not match with its complement.)",
            Vae.Data.Formats.DatasetFileBounds.GzipProblem(new InvalidDataException("Block length does not match with its complement.")));
    }

    [Fact]
    public void A_files_identity_is_its_device_and_inode_as_stat_reads_them_by_name_or_by_handle()
    {
        using var dir = new TempDir();
        string a = dir.File("a"), b = dir.File("b"), link = dir.File("link");
        File.WriteAllText(a, "a");
        File.WriteAllText(b, "b");
        File.CreateSymbolicLink(link, a);
        var (major, minor, inode) = CoreutilsStat(a);
        Assert.Equal(((major << 32) | minor, inode), RegularFile.Identity(a));
        Assert.Equal(RegularFile.Identity(a), RegularFile.Identity(link));                 // after links
        using (var stream = File.OpenRead(a)) Assert.Equal(RegularFile.Identity(a), RegularFile.Identity(stream.SafeFileHandle));
        Assert.NotEqual(RegularFile.Identity(a), RegularFile.Identity(b));
        Assert.Null(RegularFile.Identity(dir.File("nothing")));
    }

    /// <summary>Major and minor device numbers and the inode of <paramref name="path"/>, from GNU stat.</summary>
    static (ulong Major, ulong Minor, ulong Inode) CoreutilsStat(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-L", "-c", "%Hd %Ld %i", path]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var parts = stat.StandardOutput.ReadToEnd().Split(' ', StringSplitOptions.TrimEntries).Select(ulong.Parse).ToArray();
        stat.WaitForExit();
        return (parts[0], parts[1], parts[2]);
    }

    [Fact]
    public void A_folder_is_a_folder_and_anything_else_is_named()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("file"), "x");
        Assert.Null(RegularFile.FolderProblem(dir.Path));
        Assert.Equal("is not a folder", RegularFile.FolderProblem(dir.File("file")));
        Assert.Equal("does not exist", RegularFile.FolderProblem(dir.File("nothing")));
    }
}
