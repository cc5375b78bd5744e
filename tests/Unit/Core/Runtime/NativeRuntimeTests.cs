using Vae.Build;
using Vae.Core.Runtime;
using Vae.Tests.Unit.Build;
using Xunit;

namespace Vae.Tests.Unit.Core.Runtime;

/// <summary>
/// The run-time libstdc++ step on synthetic ELF files (tests/Unit/Build/SyntheticElf.cs) and a fake package layout:
/// what it writes, where, and that it never touches the original (in real use, a file in the NuGet cache).
/// The real load is exercised by the quickstart test, whose script runs under dotnet fsi with no build step.
/// </summary>
public sealed class NativeRuntimeTests
{
    [Fact]
    public void The_patched_copy_lands_in_the_cache_beside_links_to_libtorch_and_the_original_is_untouched()
    {
        using var dir = new TempDir();
        string original = Original(dir, SyntheticElf.Build());
        byte[] before = File.ReadAllBytes(original);
        string libtorch = LibTorch(dir, "libtorch_cpu.so", "libc10.so", "libgomp-98b21ff3.so.1");

        string copy = NativeRuntime.PatchedFolder(original, libtorch, dir.File("cache"));

        Assert.StartsWith(dir.File("cache") + Path.DirectorySeparatorChar, copy);
        Assert.Equal(before, File.ReadAllBytes(original));
        Assert.True(NativeRuntime.NeedsPatch(before));
        Assert.False(NativeRuntime.NeedsPatch(File.ReadAllBytes(copy)));
        Assert.Contains(ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(copy)), n => n.Version == "GLIBCXX_3.4.30" && n.Index == 3);
        foreach (string lib in new[] { "libtorch_cpu.so", "libc10.so", "libgomp-98b21ff3.so.1" })
            Assert.Equal(Path.Combine(libtorch, lib), new FileInfo(Path.Combine(Path.GetDirectoryName(copy)!, lib)).LinkTarget);
        Assert.Empty(Directory.GetDirectories(dir.File("cache"), "*.tmp-*"));
    }

    [Fact]
    public void A_second_call_reuses_the_copy_and_a_damaged_one_is_rebuilt()
    {
        using var dir = new TempDir();
        string original = Original(dir, SyntheticElf.Build());
        string libtorch = LibTorch(dir, "libtorch_cpu.so");
        string copy = NativeRuntime.PatchedFolder(original, libtorch, dir.File("cache"));
        var written = File.GetLastWriteTimeUtc(copy);

        Assert.Equal(copy, NativeRuntime.PatchedFolder(original, libtorch, dir.File("cache")));
        Assert.Equal(written, File.GetLastWriteTimeUtc(copy));

        File.Copy(original, copy, overwrite: true); // an unpatched file where the patched copy should be
        Assert.Equal(copy, NativeRuntime.PatchedFolder(original, libtorch, dir.File("cache")));
        Assert.False(NativeRuntime.NeedsPatch(File.ReadAllBytes(copy)));
    }

    [Fact]
    public void A_library_that_relocates_against_the_version_is_refused_and_nothing_is_left_in_the_cache()
    {
        using var dir = new TempDir();
        string original = Original(dir, SyntheticElf.Build(relocateAgainst32: true));
        string libtorch = LibTorch(dir, "libtorch_cpu.so");
        Assert.Throws<ElfPatchException>(() => NativeRuntime.PatchedFolder(original, libtorch, dir.File("cache")));
        Assert.False(Directory.Exists(dir.File("cache")) && Directory.EnumerateFileSystemEntries(dir.File("cache")).Any());
    }

    [Fact]
    public void Libtorch_is_found_beside_the_library_or_in_the_packages_folder_that_holds_TorchSharp()
    {
        using var dir = new TempDir();
        // An application folder: everything side by side.
        string app = LibTorch(dir, "libtorch_cpu.so");
        Assert.Equal(app, NativeRuntime.FindLibTorchDirectory(Path.Combine(app, "libLibTorchSharp.so"), [], dir.Path));

        // A NuGet packages folder as a script host sees it: torchsharp/<v>/lib/<tfm>/ and libtorch-cpu-<rid>/<v>/runtimes/<rid>/native/.
        string rid = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        string packages = dir.File("packages");
        string torchSharpLib = Directory.CreateDirectory(Path.Combine(packages, "torchsharp", "0.107.0", "lib", "net8.0")).FullName;
        string torchSharpNative = Directory.CreateDirectory(Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", rid, "native")).FullName;
        foreach (string v in new[] { "2.9.1", "2.10.0" })
        {
            string native = Directory.CreateDirectory(Path.Combine(packages, $"libtorch-cpu-{rid}", v, "runtimes", rid, "native")).FullName;
            File.WriteAllBytes(Path.Combine(native, "libtorch_cpu.so"), []);
        }
        Assert.Equal(Path.Combine(packages, $"libtorch-cpu-{rid}", "2.10.0", "runtimes", rid, "native"),
            NativeRuntime.FindLibTorchDirectory(Path.Combine(torchSharpNative, "libLibTorchSharp.so"), [], torchSharpLib));

        // Nothing anywhere: null, so the caller reports what is missing.
        Assert.Null(NativeRuntime.FindLibTorchDirectory(dir.File("elsewhere/libLibTorchSharp.so"), [], dir.File("nowhere/lib/net8.0")));
    }

    [Fact]
    public void The_cache_folder_follows_VAE_NATIVE_CACHE()
    {
        using var dir = new TempDir();
        string? old = Environment.GetEnvironmentVariable("VAE_NATIVE_CACHE");
        try
        {
            Environment.SetEnvironmentVariable("VAE_NATIVE_CACHE", dir.File("here"));
            Assert.Equal(dir.File("here"), NativeRuntime.CacheRoot());
        }
        finally
        {
            Environment.SetEnvironmentVariable("VAE_NATIVE_CACHE", old);
        }
    }

    static string Original(TempDir dir, byte[] elf)
    {
        string folder = Directory.CreateDirectory(dir.File("original")).FullName;
        string path = Path.Combine(folder, "libLibTorchSharp.so");
        File.WriteAllBytes(path, elf);
        return path;
    }

    static string LibTorch(TempDir dir, params string[] names)
    {
        string folder = Directory.CreateDirectory(dir.File("libtorch")).FullName;
        foreach (string n in names) File.WriteAllBytes(Path.Combine(folder, n), []);
        return folder;
    }
}
