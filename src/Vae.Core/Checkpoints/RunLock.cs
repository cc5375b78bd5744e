using System.Globalization;
using System.Runtime.InteropServices;
using Vae.Core.Files;

namespace Vae.Core.Checkpoints;

/// <summary>
/// An exclusive claim on a folder that a run writes (a checkpoint folder, a run folder): one writer at a time, whatever
/// path names the folder. The lock is an OS file lock on <c>REAL.lock</c>, where REAL is the folder's canonical path
/// (every symbolic link resolved), so two aliases of one folder share one lock. It is released when the holder disposes
/// it, which also removes the lock file, or when its process ends (even when killed); <c>REAL.owner</c> names the holder
/// for the error a second writer gets.
/// </summary>
public sealed class RunLock : IDisposable
{
    readonly FileStream stream;
    readonly string lockFile, ownerFile;

    RunLock(FileStream stream, string lockFile, string ownerFile) => (this.stream, this.lockFile, this.ownerFile) = (stream, lockFile, ownerFile);

    /// <summary>Claims <paramref name="path"/> for this process.</summary>
    /// <exception cref="CheckpointException">Another process holds it (the message names that process), or the lock cannot be created there.</exception>
    public static RunLock Acquire(string path)
    {
        string full = Canonical(path);
        if (File.Exists(full)) throw new CheckpointException($"{path} is a file; a run writes a folder there: choose another path");
        try { Directory.CreateDirectory(Path.GetDirectoryName(full)!); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"{path}: cannot create the folder it goes in ({e.Message}); choose a writable place");
        }
        string lockFile = full + ".lock", ownerFile = full + ".owner";
        for (int attempt = 0; ; attempt++)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (!HeldByAnother(lockFile, e))
                    throw new CheckpointException($"{path}: cannot create its lock file {lockFile} ({e.Message}); choose a writable place");
                string owner = File.Exists(ownerFile) ? ReadOwner(ownerFile) : "another process";
                throw new CheckpointException($"{path} is being written by {owner}; wait for it to finish, stop it, or use another folder");
            }
            // The holder before us may have removed the file after we opened it: then our lock guards nothing; take the new file.
            if (SameFile(lockFile, stream) || attempt >= 10)
            {
                File.WriteAllText(ownerFile, string.Create(CultureInfo.InvariantCulture, $"process {Environment.ProcessId} (since {DateTime.Now:yyyy-MM-dd HH:mm:ss})"));
                return new RunLock(stream, lockFile, ownerFile);
            }
            stream.Dispose();
        }
    }

    /// <summary>Releases the claim and removes the lock and owner files.</summary>
    public void Dispose()
    {
        try { File.Delete(ownerFile); } catch (IOException) { }
        try { File.Delete(lockFile); } catch (IOException) { } // while still held: a waiting opener then sees the file gone and retries
        stream.Dispose();
    }

    /// <summary>The absolute path with every symbolic link resolved; the part that does not exist yet is appended as given.</summary>
    internal static string Canonical(string path)
    {
        string full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        if (OperatingSystem.IsWindows() || full.Length == 0) return full;
        string existing = full, rest = "";
        while (!Directory.Exists(existing) && !File.Exists(existing))
        {
            string? parent = Path.GetDirectoryName(existing);
            if (parent is null) return full;
            rest = rest.Length == 0 ? Path.GetFileName(existing) : Path.Combine(Path.GetFileName(existing), rest);
            existing = parent;
        }
        IntPtr resolved = RealPath(existing, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return full;
        try
        {
            string real = Marshal.PtrToStringUTF8(resolved) ?? existing;
            return rest.Length == 0 ? real : Path.Combine(real, rest);
        }
        finally { Free(resolved); }
    }

    static bool SameFile(string path, FileStream stream) =>
        RegularFile.Identity(path) is not { } named || RegularFile.Identity(stream.SafeFileHandle) is not { } held || named == held;

    /// <summary>The exclusive open failed on the lock alone: the file exists and the error is a sharing violation, not a missing or forbidden path.</summary>
    static bool HeldByAnother(string lockFile, Exception e) =>
        e is IOException and not FileNotFoundException and not DirectoryNotFoundException && File.Exists(lockFile);

    static string ReadOwner(string ownerFile)
    {
        try { return RegularFile.ReadAllText(ownerFile, 4096, "an owner file", p => new IOException(p)).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "another process"; }
    }

    [DllImport("libc", EntryPoint = "realpath")]
    static extern IntPtr RealPath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    static extern void Free(IntPtr pointer);
}
