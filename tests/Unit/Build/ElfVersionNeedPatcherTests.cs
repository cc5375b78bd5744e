using Vae.Build;
using Xunit;

namespace Vae.Tests.Unit.Build;

public sealed class ElfVersionNeedPatcherTests
{
    const string Lib = "libstdc++.so.6", From = "GLIBCXX_3.4.32", To = "GLIBCXX_3.4.30";

    [Fact]
    public void ElfHash_matches_the_values_the_gABI_example_and_glibc_binaries_store()
    {
        // Expected values are the vna_hash fields stored in Debian 12's /bin/ls (.gnu.version_r, read with a
        // small struct-unpacking script); the empty name hashes to 0 by the definition of the function.
        Assert.Equal(0x09691a75u, ElfVersionNeedPatcher.ElfHash("GLIBC_2.2.5"));
        Assert.Equal(0x069691b4u, ElfVersionNeedPatcher.ElfHash("GLIBC_2.34"));
        Assert.Equal(0u, ElfVersionNeedPatcher.ElfHash(""));
    }

    [Fact]
    public void Rewrite_points_the_version_need_at_the_existing_name_and_updates_its_hash()
    {
        var elf = SyntheticElf.Build();
        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeedPatcher.Rewrite(elf, Lib, From, To));
        var needs = ElfVersionNeedPatcher.ReadVersionNeeds(elf);
        Assert.DoesNotContain(needs, n => n.Version == From);
        var rewritten = Assert.Single(needs, n => n.Index == 3);
        Assert.Equal(To, rewritten.Version);
        Assert.Equal(Lib, rewritten.Library);
        Assert.Equal(ElfVersionNeedPatcher.ElfHash(To), rewritten.Hash);
    }

    [Fact]
    public void Rewrite_is_idempotent()
    {
        var elf = SyntheticElf.Build();
        ElfVersionNeedPatcher.Rewrite(elf, Lib, From, To);
        var once = (byte[])elf.Clone();
        Assert.Equal(ElfPatchOutcome.NotNeeded, ElfVersionNeedPatcher.Rewrite(elf, Lib, From, To));
        Assert.Equal(once, elf);
    }

    [Fact]
    public void Rewrite_leaves_a_file_that_does_not_need_the_version_untouched()
    {
        var elf = SyntheticElf.Build(needs32: false);
        var before = (byte[])elf.Clone();
        Assert.Equal(ElfPatchOutcome.NotNeeded, ElfVersionNeedPatcher.Rewrite(elf, Lib, From, To));
        Assert.Equal(before, elf);
    }

    [Fact]
    public void Rewrite_refuses_when_a_relocation_uses_a_symbol_of_the_version()
    {
        var elf = SyntheticElf.Build(relocateAgainst32: true);
        var before = (byte[])elf.Clone();
        var e = Assert.Throws<ElfPatchException>(() => ElfVersionNeedPatcher.Rewrite(elf, Lib, From, To));
        Assert.Contains("relocation", e.Message);
        Assert.Equal(before, elf);
    }

    [Fact]
    public void Rewrite_rejects_truncated_and_non_ELF_input_with_its_own_exception()
    {
        var elf = SyntheticElf.Build();
        Assert.Throws<ElfPatchException>(() => ElfVersionNeedPatcher.Rewrite(elf[..(elf.Length - 100)], Lib, From, To));
        Assert.Throws<ElfPatchException>(() => ElfVersionNeedPatcher.Rewrite(new byte[100], Lib, From, To));
    }

    [Fact]
    public void PatchFile_replaces_the_file_by_rename_so_a_hard_linked_original_is_not_edited()
    {
        string dir = Directory.CreateTempSubdirectory("vae-elf").FullName;
        try
        {
            string cache = Path.Combine(dir, "cache.so"), output = Path.Combine(dir, "output.so");
            var original = SyntheticElf.Build();
            File.WriteAllBytes(cache, original);
            Assert.Equal(0, Link(cache, output));
            Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeedPatcher.PatchFile(output, Lib, From, To));
            Assert.Equal(original, File.ReadAllBytes(cache));
            Assert.DoesNotContain(ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(output)), n => n.Version == From);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_build_output_copy_of_libLibTorchSharp_no_longer_needs_the_missing_version_on_this_system()
    {
        var system = ElfVersionNeedPatcher.SystemLibStdCxxDefines(From, ElfVersionNeedPatcher.DefaultLibraryDirectories());
        string path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"expected the native library at {path}");
        var needs = ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(path));
        if (system == false) Assert.DoesNotContain(needs, n => n.Version == From);
        else Assert.Contains(needs, n => n.Library == Lib);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
    static extern int Link(string existing, string newPath);
}
