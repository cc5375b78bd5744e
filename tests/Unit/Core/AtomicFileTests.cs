using System.Text;
using Vae.Core.Files;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>Whole files or none: what a reader can see of AtomicFile's writes, read back from disk.</summary>
public sealed class AtomicFileTests
{
    [Fact]
    public void Text_is_written_as_utf8_without_a_byte_order_mark()
    {
        using var dir = new TempDir();
        string path = dir.File("sub/config.json");
        AtomicFile.WriteText(path, "σ = 0.1\n");
        Assert.Equal(Encoding.UTF8.GetBytes("σ = 0.1\n"), File.ReadAllBytes(path)); // no EF BB BF in front
    }

    [Fact]
    public void The_same_content_leaves_the_file_untouched_and_other_content_replaces_it()
    {
        using var dir = new TempDir();
        string path = dir.File("f.json");
        AtomicFile.WriteText(path, "one");
        var old = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, old);
        AtomicFile.WriteText(path, "one");
        Assert.Equal(old, File.GetLastWriteTimeUtc(path)); // no new timestamp, no diff
        AtomicFile.WriteText(path, "two");
        Assert.Equal("two", File.ReadAllText(path));
        AtomicFile.WriteText(path, "three"); // same length as nothing before: another length is replaced too
        Assert.Equal("three", File.ReadAllText(path));
    }

    [Fact]
    public void A_write_that_fails_leaves_neither_the_file_nor_its_temporary_copy()
    {
        using var dir = new TempDir();
        string path = dir.File("f.png");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, temp =>
        {
            File.WriteAllText(temp, "half");
            throw new InvalidOperationException("the writer failed");
        }));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
