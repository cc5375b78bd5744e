using Vae.Experiments;

namespace Vae.Tests.Unit.Cli;

/// <summary>Runs the `vae` tool in-process with its console captured (tests in the "console" collection only).</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o);
        Console.SetError(e);
        try
        {
            int code = Program.Main(args).GetAwaiter().GetResult();
            return (code, o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    /// <summary>The repository root (the folder holding Vae.sln) above the test binaries.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Vae.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Vae.sln above {AppContext.BaseDirectory}");
    }
}
