using System.Runtime.InteropServices;

namespace Vae.Core.Checkpoints;

/// <summary>Flushes files and folders to the disk, so a rename that follows cannot be seen before the data it points to.</summary>
internal static class Durable
{
    /// <summary>fsync of a file's data and metadata.</summary>
    public static void FlushFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>fsync of a folder, which makes the creation and renaming of its entries durable (POSIX only; Windows has no equivalent and needs none for NTFS metadata).</summary>
    public static void FlushDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0) return; // nothing to flush through (the folder was just read, so it exists); the data files are flushed
        try { Fsync(fd); }
        finally { Close(fd); }
    }

    [DllImport("libc", EntryPoint = "open")]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync")]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
