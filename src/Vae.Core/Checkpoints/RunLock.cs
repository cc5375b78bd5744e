using System.Globalization;

namespace Vae.Core.Checkpoints;

/// <summary>
/// An exclusive claim on a folder that a run writes (a checkpoint folder, a run folder): one writer at a time. The lock
/// is an OS file lock on <c>PATH.lock</c>, released when the holder disposes it or its process ends (even when killed);
/// <c>PATH.owner</c> names the holder for the error a second writer gets.
/// </summary>
internal sealed class RunLock : IDisposable
{
    readonly FileStream stream;
    readonly string ownerFile;

    RunLock(FileStream stream, string ownerFile) => (this.stream, this.ownerFile) = (stream, ownerFile);

    /// <summary>Claims <paramref name="path"/> for this process.</summary>
    /// <exception cref="CheckpointException">Another process holds it; the message names that process.</exception>
    public static RunLock Acquire(string path)
    {
        string full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string lockFile = full + ".lock", ownerFile = full + ".owner";
        FileStream stream;
        try
        {
            stream = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            string owner = File.Exists(ownerFile) ? File.ReadAllText(ownerFile).Trim() : "another process";
            throw new CheckpointException($"{path} is being written by {owner}; wait for it to finish, stop it, or use another folder");
        }
        File.WriteAllText(ownerFile, string.Create(CultureInfo.InvariantCulture, $"process {Environment.ProcessId} (since {DateTime.Now:yyyy-MM-dd HH:mm:ss})"));
        return new RunLock(stream, ownerFile);
    }

    /// <summary>Releases the claim.</summary>
    public void Dispose()
    {
        try { File.Delete(ownerFile); } catch (IOException) { }
        stream.Dispose();
    }
}
