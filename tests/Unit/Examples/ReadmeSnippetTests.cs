using Xunit;
using System.Text.RegularExpressions;
using Vae.Tests.Unit.Cli;

namespace Vae.Tests.Unit.Examples;

/// <summary>
/// The C# and F# code shown in README.md and in the package READMEs is cut from the examples, which the
/// quickstart test compiles and runs: a block that is not a verbatim excerpt of an example could not compile
/// or could silently differ, so it fails here.
/// </summary>
public sealed class ReadmeSnippetTests
{
    static readonly string[] Readmes = ["README.md", "src/Vae.Core/README.md", "src/Vae.Data/README.md", "src/Vae.FSharp/README.md"];
    static readonly string[] Examples = ["examples/csharp/Quickstart/Program.cs", "examples/fsharp/Quickstart/Quickstart.fs", "examples/fsharp/quickstart.fsx"];

    [Fact]
    public void EveryCSharpAndFSharpBlockInTheReadmesIsAnExcerptOfAnExample()
    {
        string root = CliRunner.RepoRoot();
        var sources = Examples.Select(e => Normalise(File.ReadAllText(Path.Combine(root, e)))).ToList();
        int blocks = 0;
        foreach (string readme in Readmes)
            foreach (Match m in Regex.Matches(File.ReadAllText(Path.Combine(root, readme)), @"```(csharp|fsharp)\n(.*?)```", RegexOptions.Singleline))
            {
                blocks++;
                string block = Normalise(m.Groups[2].Value);
                Assert.True(sources.Any(s => s.Contains(block)), $"{readme}: a {m.Groups[1].Value} block is not an excerpt of {string.Join(", ", Examples)}:\n{block}");
            }
        Assert.True(blocks >= 5, $"expected the README and package READMEs to show at least 5 code blocks, found {blocks}");
    }

    static string Normalise(string text) => string.Join('\n', text.Replace("\r", "").Split('\n').Select(l => l.TrimEnd())).Trim('\n');
}
