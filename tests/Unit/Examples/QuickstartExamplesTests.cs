using Xunit;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Vae.Tests.Unit.Cli;

namespace Vae.Tests.Unit.Examples;

/// <summary>
/// The three quickstarts (C# console on net8.0, F# console, F# script under dotnet fsi), built the way a user builds
/// them: from the packed packages in artifacts/packages (the README's test command packs them first), never from
/// project references. Expected values: the three run the same steps through the same core with seed 1, so they must
/// print the same test ELBO, and a reloaded checkpoint must give exactly that number again.
/// </summary>
public sealed class QuickstartExamplesTests
{
    static readonly Regex Elbo = new(@"^test negative ELBO: (\d+\.\d{6}) nats per image$", RegexOptions.Multiline);
    static readonly Regex Reloaded = new(@"^reloaded test negative ELBO: (\d+\.\d{6}) nats per image \(epoch 1\)$", RegexOptions.Multiline);

    [Fact]
    public void TheCSharpAndFSharpQuickstartsAndTheScriptPrintTheSameElboAndReloadItExactly()
    {
        string root = CliRunner.RepoRoot(), examples = Path.Combine(root, "examples");
        string version = Regex.Match(File.ReadAllText(Path.Combine(root, "Directory.Build.props")), "<Version>([^<]+)</Version>").Groups[1].Value;
        foreach (string id in new[] { "Vae.Core", "Vae.Data", "Vae.FSharp" })
            Assert.True(File.Exists(Path.Combine(root, "artifacts", "packages", $"{id}.{version}.nupkg")),
                $"artifacts/packages/{id}.{version}.nupkg is missing: run `dotnet pack Vae.sln -c Release -o artifacts/packages` first (the README's test command does)");
        ForgetExtractedPackages(version);
        // A minimal C# program needs at most two using lines: the packages bring Vae's namespaces as global usings.
        var usings = File.ReadAllLines(Path.Combine(examples, "csharp/Quickstart/Program.cs")).Where(l => Regex.IsMatch(l, @"^using (static )?[A-Za-z_][A-Za-z0-9_.]*;$")).ToList();
        Assert.True(usings.Count <= 2 && usings.All(u => !u.StartsWith("using Vae")), $"the C# quickstart needs {usings.Count} using lines: {string.Join(", ", usings)}");

        using var work = new TempDir();
        var env = new Dictionary<string, string> { ["VAE_NATIVE_CACHE"] = work.File("native") };
        Run(examples, env, "build", "csharp/Quickstart", "-c", "Release", "-nologo", "-v", "q");
        Run(examples, env, "build", "fsharp/Quickstart", "-c", "Release", "-nologo", "-v", "q");
        AssertBuiltFromPackage(Path.Combine(examples, "csharp/Quickstart/bin/Release/net8.0/Quickstart.deps.json"), "Vae.Data", version);
        AssertBuiltFromPackage(Path.Combine(examples, "fsharp/Quickstart/bin/Release/net10.0/Quickstart.deps.json"), "Vae.FSharp", version);

        string cs = Run(examples, env, "csharp/Quickstart/bin/Release/net8.0/Quickstart.dll", work.File("cs"));
        string fs = Run(examples, env, "fsharp/Quickstart/bin/Release/net10.0/Quickstart.dll", work.File("fs"));
        string fsx = Run(examples, env, "fsi", "fsharp/quickstart.fsx", work.File("fsx"));

        var outputs = new[] { ("C#", cs), ("F#", fs), ("fsx", fsx) };
        string expected = Elbo.Match(cs).Groups[1].Value;
        Assert.NotEqual("", expected);
        foreach (var (name, output) in outputs)
        {
            Assert.True(Elbo.IsMatch(output), $"{name} printed no ELBO line:\n{output}");
            Assert.Equal(expected, Elbo.Match(output).Groups[1].Value);
            Assert.Equal(expected, Reloaded.Match(output).Groups[1].Value);
        }
        // One epoch on 2,000 images leaves a latent-2 model far from trained but far below the untrained ~543 nats.
        Assert.InRange(double.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), 150, 400);
        foreach (string dir in new[] { "cs", "fs", "fsx" })
            AssertSampleGrid(Path.Combine(work.Path, dir, "samples.png"));
    }

    /// <summary>
    /// The global packages folder keeps the first extraction of a version: drop ours so that the packages packed
    /// just now are the ones restored (a user never meets this: their version numbers do not repeat).
    /// </summary>
    static void ForgetExtractedPackages(string version)
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in new[] { "vae.core", "vae.data", "vae.fsharp" })
        {
            string dir = Path.Combine(packages, id, version);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    static void AssertBuiltFromPackage(string depsJson, string id, string version)
    {
        string deps = File.ReadAllText(depsJson);
        Assert.Matches(new Regex($"\"{Regex.Escape(id)}/{Regex.Escape(version)}\": \\{{\\s*\"type\": \"package\""), deps);
    }

    // 64 samples in 8 columns of 28×28 images drawn at scale 2 with 2-pixel gutters: 2 + 8·(56 + 2) = 466 pixels square.
    static void AssertSampleGrid(string path)
    {
        byte[] png = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(466, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(466, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    static string Run(string workingDir, IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in env) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited {process.ExitCode}:\n{stdout}\n{stderr.Result}");
        return stdout;
    }
}
