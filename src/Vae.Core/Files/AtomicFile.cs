namespace Vae.Core.Files;

/// <summary>Writes files through a temporary name and a rename, so no reader ever sees half a file.</summary>
public static class AtomicFile
{
    /// <summary>Calls <paramref name="write"/> with a temporary path beside <paramref name="path"/>, then renames it into place.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="write">Writes the whole file at the path it is given.</param>
    public static void Write(string path, Action<string> write)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp-" + Environment.ProcessId + Path.GetExtension(full);
        try
        {
            write(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes text atomically as UTF-8 without a BOM; a file that already holds exactly this text is left alone (no new timestamp, no diff).</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="text">Its whole content.</param>
    public static void WriteText(string path, string text) => WriteBytes(path, new System.Text.UTF8Encoding(false).GetBytes(text));

    /// <summary>Writes bytes atomically; a file that already holds exactly these bytes is left alone.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="bytes">Its whole content.</param>
    public static void WriteBytes(string path, byte[] bytes)
    {
        if (File.Exists(path) && new FileInfo(path).Length == bytes.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes)) return;
        Write(path, temp => File.WriteAllBytes(temp, bytes));
    }
}
