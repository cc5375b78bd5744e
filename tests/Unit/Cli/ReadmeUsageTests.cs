using System.Text.RegularExpressions;
using Xunit;

namespace Vae.Tests.Unit.Cli;

/// <summary>
/// Every `vae` line of README.md's usage block runs, so the README cannot document a command that fails. Each line
/// runs as written except for what makes it cheap and keeps it out of the repository: outputs go to a temporary
/// folder, training runs on a subset for one epoch (train: --limit 256 --epochs 1; reproduce: --quick --seeds 1
/// --epochs 1), bench runs --quick and evaluate --limit 20, and placeholders (DIR, FILE) are filled in. A line that
/// no rule covers fails the test, so a new README line must be taught here.
/// </summary>
[Collection("console")]
public sealed class ReadmeUsageTests
{
    const string Checkpoint = "results/mnist-z2-warmup/checkpoint";

    [Fact]
    public async Task Every_usage_line_of_the_README_runs_on_a_subset()
    {
        string root = CliRunner.RepoRoot();
        var lines = UsageLines(File.ReadAllText(Path.Combine(root, "README.md")));
        Assert.True(lines.Count >= 15, $"expected the README's usage block to have at least 15 vae lines, found {lines.Count}");
        using var dir = new TempDir();
        string cwd = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(root); // README paths (results/..., benchmarks/...) are relative to the repository
        try
        {
            int n = 0;
            foreach (string line in lines)
                foreach (var args in Cheap(line, dir, ref n))
                {
                    if (args[0] == "explore")
                    {
                        // A server: started as its own process on a free port; the line holds when the page's API answers.
                        var (server, url) = await Vae.Tests.Unit.Explore.ExplorerBrowserTests.StartExplore(args[1..]);
                        try
                        {
                            using var http = new HttpClient();
                            Assert.Contains("\"points\": 10000", await http.GetStringAsync(url + "api/info"));
                        }
                        finally { server.Kill(entireProcessTree: true); await server.WaitForExitAsync(); }
                        continue;
                    }
                    var (code, output, error) = CliRunner.Run(args);
                    string shown = "vae " + string.Join(' ', args);
                    if (args[0] == "bench" && args.Contains("--peer") && error.Contains("the PyTorch peer needs torch"))
                    {
                        // Documented: without Debian's python3-torch the peer cannot run; one line, exit 1, before any measurement.
                        Assert.Equal(1, code);
                        Assert.Single(error.Trim().Split('\n'));
                        Assert.Equal("", output);
                        continue;
                    }
                    if (args[0] == "data" && args[1] == "preview" && args[2] == "svhn")
                    {
                        // SVHN cannot be had on this machine (no network, no package): the documented one-line message.
                        Assert.Equal(1, code);
                        // stderr also carries the fetch log; the error is one line, the last, and the only "vae:" line.
                        var errorLines = error.Trim().Split('\n');
                        Assert.Single(errorLines, l => l.StartsWith("vae: ", StringComparison.Ordinal));
                        Assert.StartsWith("vae: ", errorLines[^1]);
                        Assert.Contains("put them in <data-dir>/svhn/", errorLines[^1]);
                        continue;
                    }
                    Assert.True(code == 0, $"README line `{line}` ran as `{shown}` and exited {code}:\n{error}\n{output}");
                }
        }
        finally
        {
            Directory.SetCurrentDirectory(cwd);
        }
    }

    /// <summary>The `vae ...` lines of the bash block that follows "## Usage", comments stripped.</summary>
    static List<string> UsageLines(string readme)
    {
        int start = readme.IndexOf("## Usage", StringComparison.Ordinal);
        var block = Regex.Match(readme[start..], "```bash\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        return block.Split('\n')
            .Select(l => l.Split("  #")[0].Trim())
            .Where(l => l.StartsWith("vae ", StringComparison.Ordinal))
            .ToList();
    }

    /// <summary>The commands that exercise one README line cheaply (one, or three for the `a | b | c` shorthand).</summary>
    static IEnumerable<string[]> Cheap(string line, TempDir dir, ref int n)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        var commands = new List<List<string>>();
        int bar = words.IndexOf("|");
        if (bar > 0)
        {
            // vae reconstruct | latent | manifold --checkpoint DIR --out FILE.png
            var verbs = words.TakeWhile(w => !w.StartsWith("--", StringComparison.Ordinal)).Where(w => w != "|").ToList();
            var rest = words.SkipWhile(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            commands.AddRange(verbs.Select(v => new List<string> { v }.Concat(rest).ToList()));
        }
        else commands.Add(words);

        var result = new List<string[]>();
        foreach (var c in commands)
        {
            n++;
            for (int i = 0; i + 1 < c.Count; i++)
            {
                if (c[i] == "--out") c[i + 1] = Path.Combine(dir.Path, $"{n}-{Path.GetFileName(c[i + 1])}");
                else if (c[i] == "--checkpoint" && c[i + 1] == "DIR") c[i + 1] = Checkpoint;
                else if (c[i] == "--data-dir" && c[i + 1] == "DIR") c[i + 1] = Directory.CreateDirectory(Path.Combine(dir.Path, $"{n}-data")).FullName;
            }
            switch (c[0])
            {
                case "train":
                    Replace(c, "--epochs", "1");
                    Replace(c, "--limit", "256");
                    break;
                case "reproduce":
                    if (!c.Contains("--quick")) c.Add("--quick");
                    Replace(c, "--seeds", "1");
                    Replace(c, "--epochs", "1");
                    if (!c.Contains("--out")) { c.Add("--out"); c.Add(Path.Combine(dir.Path, $"{n}-reproduce")); }
                    break;
                case "bench":
                    c.Add("--quick");
                    break;
                case "evaluate":
                    Replace(c, "--limit", "20");
                    break;
                case "explore":
                    c.Remove("--open");       // no browser is opened by a test
                    Replace(c, "--port", "0");
                    break;
                case "data" or "sample" or "reconstruct" or "latent" or "manifold" or "report" or "doctor":
                    break;
                default:
                    throw new Xunit.Sdk.XunitException($"README line `{line}`: no rule makes `{c[0]}` cheap; teach ReadmeUsageTests");
            }
            Assert.DoesNotContain(c, w => w is "DIR" or "FILE.png");
            result.Add([.. c]);
        }
        return result;
    }

    static void Replace(List<string> c, string option, string value)
    {
        int i = c.IndexOf(option);
        if (i >= 0) c[i + 1] = value;
        else { c.Add(option); c.Add(value); }
    }
}
