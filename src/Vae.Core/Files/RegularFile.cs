using System.Runtime.InteropServices;

namespace Vae.Core.Files;

/// <summary>
/// Opens input files only when they are regular files (after following links) no longer than a bound, so that a link to
/// <c>/dev/zero</c>, a FIFO, a socket or a folder in place of a data or checkpoint file gives one line instead of an endless
/// read, a hang or a multi-GB allocation. The check reads the file's type and size with <c>statx</c> (Linux) before the
/// file is opened; a FIFO is never opened, since opening one blocks until a writer appears.
/// </summary>
public static class RegularFile
{
    /// <summary>What is wrong with <paramref name="path"/> as an input of at most <paramref name="maxBytes"/> bytes, or null when it may be read.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The most bytes such a file can hold.</param>
    /// <param name="what">What the file is, for the message ("a trainer.json").</param>
    public static string? Problem(string path, long maxBytes, string what)
    {
        var status = Stat(path);
        if (status is { Error: int errno }) return LookupFailure(path, errno);
        var (type, size) = (status!.Value.Type, status.Value.Size);
        if (type != FileType.Regular) return $"is {Describe(type)}, not a regular file";
        if (size > maxBytes) return $"is {size:N0} bytes, more than the {maxBytes:N0} {what} can hold";
        return null;
    }

    /// <summary>Why the look-up of <paramref name="path"/> failed with <paramref name="errno"/>, in words ("is a symbolic link that loops").</summary>
    internal static string LookupFailure(string path, int errno) => errno switch
    {
        2 => new FileInfo(path).LinkTarget is not null ? "is a symbolic link to nothing" : "does not exist",   // ENOENT: the name itself may be a link
        40 => "is a symbolic link that loops",                                                                                     // ELOOP
        13 => "cannot be read (permission denied)",                                                                              // EACCES
        20 => "lies under something that is not a folder",                                                                       // ENOTDIR
        _ => $"cannot be examined (errno {errno})",
    };

    /// <summary>Opens <paramref name="path"/> for reading after <see cref="Problem"/> found nothing; otherwise throws what <paramref name="error"/> makes of the problem.</summary>
    public static FileStream OpenRead(string path, long maxBytes, string what, Func<string, Exception> error)
    {
        if (Problem(path, maxBytes, what) is string problem) throw error(problem);
        var stream = File.OpenRead(path);
        if (stream.Length > maxBytes) // it grew between the check and the open
        {
            stream.Dispose();
            throw error($"is {stream.Length:N0} bytes, more than the {maxBytes:N0} {what} can hold");
        }
        return stream;
    }

    /// <summary>The whole file, read only when it is a regular file of at most <paramref name="maxBytes"/> bytes.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes, string what, Func<string, Exception> error)
    {
        using var stream = OpenRead(path, maxBytes, what, error);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The whole file as UTF-8 text, read only when it is a regular file of at most <paramref name="maxBytes"/> bytes.</summary>
    public static string ReadAllText(string path, long maxBytes, string what, Func<string, Exception> error)
    {
        var bytes = ReadAllBytes(path, maxBytes, what, error);
        return new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true).ReadToEnd();
    }

    /// <summary>
    /// What is wrong with <paramref name="path"/> as a folder (after links), or null when it is one: "is a symbolic link that
    /// loops", "does not exist", "is not a folder".
    /// </summary>
    public static string? FolderProblem(string path) => Stat(path) switch
    {
        { Error: int errno } => LookupFailure(path, errno),
        { Type: FileType.Directory } => null,
        _ => "is not a folder",
    };

    /// <summary>The kinds of file a path can name.</summary>
    internal enum FileType { Regular, Directory, CharacterDevice, BlockDevice, Fifo, Socket, Other }

    /// <summary>The type and size of what a path names after links, or the errno that stopped the look-up.</summary>
    internal readonly record struct Status(FileType Type, long Size, int? Error);

    /// <summary>The device and inode numbers of what <paramref name="path"/> names after links (null where the OS cannot tell).</summary>
    internal static (ulong Device, ulong Inode)? Identity(string path) => StatxIdentity(path, null);

    /// <summary>The device and inode numbers of an open file (null where the OS cannot tell).</summary>
    internal static (ulong Device, ulong Inode)? Identity(Microsoft.Win32.SafeHandles.SafeFileHandle handle) => StatxIdentity("", handle);

    static string Describe(FileType type) => type switch
    {
        FileType.Directory => "a folder",
        FileType.CharacterDevice => "a character device",
        FileType.BlockDevice => "a block device",
        FileType.Fifo => "a FIFO (named pipe)",
        FileType.Socket => "a socket",
        _ => "a special file",
    };

    internal static Status? Stat(string path)
    {
        if (!OperatingSystem.IsLinux()) // no statx: the portable view (folders and sizes; other OSes have no FIFOs in data folders)
        {
            if (Directory.Exists(path)) return new Status(FileType.Directory, 0, null);
            return File.Exists(path) ? new Status(FileType.Regular, new FileInfo(path).Length, null) : new Status(FileType.Other, 0, 2);
        }
        var buffer = new byte[StatxSize];
        int rc = Statx(AtFdCwd, path, 0, StatxBasicStats, buffer);
        if (rc != 0) return new Status(FileType.Other, 0, Marshal.GetLastPInvokeError());
        int mode = BitConverter.ToUInt16(buffer, 28) & 0xF000;   // stx_mode: type bits
        long size = BitConverter.ToInt64(buffer, 40);           // stx_size
        var type = mode switch
        {
            0x8000 => FileType.Regular,
            0x4000 => FileType.Directory,
            0x2000 => FileType.CharacterDevice,
            0x6000 => FileType.BlockDevice,
            0x1000 => FileType.Fifo,
            0xC000 => FileType.Socket,
            _ => FileType.Other,
        };
        return new Status(type, size, null);
    }

    static (ulong, ulong)? StatxIdentity(string path, Microsoft.Win32.SafeHandles.SafeFileHandle? handle)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var buffer = new byte[StatxSize];
        int rc;
        if (handle is null) rc = Statx(AtFdCwd, path, 0, StatxBasicStats, buffer);
        else
        {
            bool added = false;
            handle.DangerousAddRef(ref added);
            try { rc = Statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, StatxBasicStats, buffer); }
            finally { if (added) handle.DangerousRelease(); }
        }
        if (rc != 0) return null;
        ulong inode = BitConverter.ToUInt64(buffer, 32);                                            // stx_ino
        ulong device = ((ulong)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140); // stx_dev_major, stx_dev_minor
        return (device, inode);
    }

    // struct statx is the same on every Linux architecture: 256 bytes, stx_mode (u16) at 28, stx_ino at 32, stx_size at 40,
    // stx_dev_major/minor at 136/140 (linux/stat.h).
    const int StatxSize = 256, AtFdCwd = -100, AtEmptyPath = 0x1000;
    const uint StatxBasicStats = 0x7ff;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
