using System.Diagnostics;
using System.Security.Cryptography;
using Xunit;

namespace Vae.Tests.Unit;

/// <summary>Crafted files for hostile-input tests (FIFOs), byte-for-byte snapshots of folders, and a time limit against hangs.</summary>
internal static class FileFixtures
{
    /// <summary>Every file under <paramref name="root"/> (names relative to it) with its SHA-256: what "untouched" is compared by.</summary>
    public static SortedDictionary<string, string> Snapshot(string root) => new(
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(root, f),
            f => new FileInfo(f).LinkTarget is string link ? "link:" + link : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))),
        StringComparer.Ordinal);

    /// <summary>Replaces <paramref name="path"/> by a FIFO (named pipe) of the same name.</summary>
    public static void Fifo(string path)
    {
        File.Delete(path);
        using var mk = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mk.WaitForExit();
        Assert.Equal(0, mk.ExitCode);
    }

    /// <summary>Runs <paramref name="action"/> with a time limit: a hang fails the test instead of stopping the run.</summary>
    public static T WithinSeconds<T>(int seconds, Func<T> action)
    {
        var task = Task.Run(action);
        Assert.True(task.Wait(TimeSpan.FromSeconds(seconds)), $"no answer within {seconds} s (a hang)");
        return task.Result;
    }

    /// <summary>
    /// As <see cref="WithinSeconds{T}"/>, and also the bytes <paramref name="action"/> allocated on its own thread:
    /// a per-thread count, so tests running in parallel in the same process do not add to it.
    /// </summary>
    public static (T Result, long Allocated) WithinSecondsAllocating<T>(int seconds, Func<T> action) =>
        WithinSeconds(seconds, () =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var result = action();
            return (result, GC.GetAllocatedBytesForCurrentThread() - before);
        });
}
