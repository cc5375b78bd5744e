using System.Runtime.Loader;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Vae.Build;

namespace Vae.Core.Runtime;

/// <summary>
/// Makes TorchSharp's native library loadable where no build step ran: <c>dotnet fsi</c> scripts, notebooks,
/// and applications built with <c>-p:VaeLibStdCxxCompat=false</c>.
/// </summary>
/// <remarks>
/// <para>TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> lists GLIBCXX_3.4.32 among its version needs, which GCC 12's
/// libstdc++ (Debian 12, Ubuntu 22.04) lacks. Applications get a patched copy at build time
/// (<c>build/Vae.LibTorchSharpCompat.targets</c>); a script loads the package's copy straight from the NuGet cache.</para>
/// <para>On Linux, when the system libstdc++ lacks that version and the copy TorchSharp would load still needs it, the
/// first load of <c>LibTorchSharp</c> is answered with a private patched copy under
/// <c>$VAE_NATIVE_CACHE</c> (else <c>$XDG_CACHE_HOME/vae/native</c>, else <c>~/.cache/vae/native</c>), next to symbolic links to
/// libtorch's libraries. The NuGet cache is never written. Anywhere else this does nothing.</para>
/// <para>It is installed automatically when Vae.Core is loaded; call <see cref="Prepare"/> yourself only when a script
/// calls TorchSharp before any Vae type.</para>
/// </remarks>
public static class NativeRuntime
{
    const string Needed = ElfVersionNeedPatcher.TorchSharpNeed;
    const string LibraryName = "LibTorchSharp", FileName = "libLibTorchSharp.so";
    static int installed;
    static readonly Lazy<IntPtr> handle = new(LoadPatchedCopy, LazyThreadSafetyMode.ExecutionAndPublication);

#pragma warning disable CA2255 // a module initializer in a library: on purpose, so that scripts need no extra call
    [ModuleInitializer]
    internal static void OnModuleLoad() => Prepare();
#pragma warning restore CA2255

    /// <summary>
    /// Installs the fallback for TorchSharp's native library (idempotent and cheap: nothing is read unless the usual load
    /// of <c>LibTorchSharp</c> fails). Does nothing off Linux.
    /// </summary>
    public static void Prepare()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref installed, 1) == 1) return;
        var torchSharp = typeof(TorchSharp.torch).Assembly;
        var context = AssemblyLoadContext.GetLoadContext(torchSharp) ?? AssemblyLoadContext.Default;
        // Raised only after the usual probing failed to load a library (for DllImport and for TorchSharp's own
        // NativeLibrary.TryLoad alike), so a loadable copy, an application's resolver or a later fix always comes first.
        context.ResolvingUnmanagedDll += (assembly, name) => assembly == torchSharp && name == LibraryName ? handle.Value : IntPtr.Zero;
    }

    // IntPtr.Zero means "not ours": the load fails as it would have without Vae.
    static IntPtr LoadPatchedCopy()
    {
        if (ElfVersionNeedPatcher.SystemLibStdCxxDefines(Needed, ElfVersionNeedPatcher.DefaultLibraryDirectories()) != false)
            return IntPtr.Zero;
        string torchSharpDir = Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location) ?? AppContext.BaseDirectory;
        var dirs = SearchDirectories(torchSharpDir);
        string? original = dirs.Select(d => Path.Combine(d, FileName)).FirstOrDefault(File.Exists);
        if (original is null || !NeedsPatch(File.ReadAllBytes(original))) return IntPtr.Zero;
        string? libtorch = FindLibTorchDirectory(original, dirs, torchSharpDir);
        if (libtorch is null)
            throw new DllNotFoundException($"Vae: {original} needs {Needed}, which this system's libstdc++ lacks, and libtorch's libraries " +
                "(libtorch_cpu.so) were not found beside it or in the NuGet packages folder: reference TorchSharp-cpu (or a CUDA runtime package) " +
                "as well, or install GCC 13's libstdc++ (Debian 13, Ubuntu 24.04)");
        string copy;
        try
        {
            copy = PatchedFolder(original, libtorch, CacheRoot());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ElfPatchException)
        {
            throw new DllNotFoundException($"Vae: {original} needs {Needed}, which this system's libstdc++ lacks, and a patched copy " +
                $"could not be made under {CacheRoot()} ({e.Message}): set VAE_NATIVE_CACHE to a writable folder, or install GCC 13's libstdc++", e);
        }
        return NativeLibrary.Load(copy);
    }

    internal static bool NeedsPatch(byte[] elf) =>
        ElfVersionNeedPatcher.ReadVersionNeeds(elf).Any(n => n.Library == ElfVersionNeedPatcher.LibStdCxx && n.Version == Needed);

    static string Rid => RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";

    // Where the runtime would look for the native library: the host's native search folders, the application folder,
    // and TorchSharp's own package layout (lib/<tfm>/ beside runtimes/<rid>/native/), as a script host loads it.
    static List<string> SearchDirectories(string torchSharpDir)
    {
        var dirs = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string native)
            dirs.AddRange(native.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        dirs.Add(AppContext.BaseDirectory);
        dirs.Add(Path.Combine(AppContext.BaseDirectory, "runtimes", Rid, "native"));
        dirs.Add(torchSharpDir);
        dirs.Add(Path.GetFullPath(Path.Combine(torchSharpDir, "..", "..", "runtimes", Rid, "native")));
        return dirs;
    }

    // libtorch's own libraries: beside the original (an application folder), in a host search folder, or in the
    // libtorch-cpu-<rid> package of the NuGet packages folder that holds TorchSharp (<packages>/torchsharp/<v>/lib/<tfm>/).
    internal static string? FindLibTorchDirectory(string original, IEnumerable<string> searchDirectories, string torchSharpDir)
    {
        static bool Has(string d) => File.Exists(Path.Combine(d, "libtorch_cpu.so"));
        string beside = Path.GetDirectoryName(original)!;
        if (Has(beside)) return beside;
        var found = searchDirectories.FirstOrDefault(Has);
        if (found is not null) return found;
        string packages = Path.GetFullPath(Path.Combine(torchSharpDir, "..", "..", "..", ".."));
        string package = Path.Combine(packages, $"libtorch-cpu-{Rid}");
        if (!Directory.Exists(package)) return null;
        return Directory.GetDirectories(package)
            .Select(v => Path.Combine(v, "runtimes", Rid, "native"))
            .Where(Has)
            .OrderByDescending(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(d)))), out var v) ? v : new Version(0, 0))
            .FirstOrDefault();
    }

    internal static string CacheRoot()
    {
        string? explicitDir = Environment.GetEnvironmentVariable("VAE_NATIVE_CACHE");
        if (!string.IsNullOrWhiteSpace(explicitDir)) return Path.GetFullPath(explicitDir);
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string cache = !string.IsNullOrWhiteSpace(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "vae", "native");
    }

    /// <summary>
    /// The folder <c>cacheRoot/&lt;key&gt;/</c> holding a patched copy of <paramref name="original"/> and symbolic links to every
    /// library in <paramref name="libtorchDir"/> (so that the copy's <c>$ORIGIN</c> run path finds them); the key hashes the
    /// original's bytes and libtorch's folder. Built in a temporary folder and renamed into place, so a crash or a
    /// concurrent process never leaves a half-made folder in use. Returns the patched copy's path.
    /// </summary>
    internal static string PatchedFolder(string original, string libtorchDir, string cacheRoot)
    {
        byte[] bytes = File.ReadAllBytes(original);
        string key = Convert.ToHexString(SHA256.HashData([.. bytes, .. System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(libtorchDir))]))[..16].ToLowerInvariant();
        string folder = Path.Combine(cacheRoot, key), copy = Path.Combine(folder, FileName);
        if (File.Exists(copy) && !NeedsPatch(File.ReadAllBytes(copy))) return copy;

        if (ElfVersionNeedPatcher.Rewrite(bytes, ElfVersionNeedPatcher.LibStdCxx, Needed, ElfVersionNeedPatcher.Replacement) != ElfPatchOutcome.Patched)
            throw new ElfPatchException($"{original} does not need {Needed}");
        Directory.CreateDirectory(cacheRoot);
        string temp = Path.Combine(cacheRoot, $"{key}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(temp);
            File.WriteAllBytes(Path.Combine(temp, FileName), bytes);
            foreach (string lib in Directory.GetFiles(libtorchDir).Where(f => Path.GetFileName(f).Contains(".so") && Path.GetFileName(f) != FileName))
                File.CreateSymbolicLink(Path.Combine(temp, Path.GetFileName(lib)), lib);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); // stale or damaged: the copy is checked above
            Directory.Move(temp, folder);
        }
        catch (IOException) when (File.Exists(copy) && !NeedsPatch(File.ReadAllBytes(copy)))
        {
            // Another process won the rename with an equal folder.
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
        return copy;
    }
}
