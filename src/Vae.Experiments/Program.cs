using System.CommandLine;
using Vae.Core.Checkpoints;
using Vae.Core.Training;
using Vae.Data;
using Vae.Experiments.Cli;

namespace Vae.Experiments;

/// <summary>The `vae` command-line tool: every table entry and figure of the project is one command away.</summary>
public static class Program
{
    /// <summary>Parses and runs; bad input gives one line on stderr and exit code 1.</summary>
    public static async Task<int> Main(string[] args)
    {
        Vae.Core.Runtime.NativeRuntime.Prepare(); // before any TorchSharp call: a build without the libstdc++ step still loads
        var root = BuildRoot();
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"vae: {ParseErrors.OneLine(parsed)} (see --help)");
            return 1;
        }
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cts.Token);
        }
        catch (Exception e) when (OneLine(e) is string line)
        {
            Console.Error.WriteLine($"vae: {line}");
            if (e is System.Runtime.InteropServices.ExternalException && NativeErrors.Verbose(args)) Console.Error.WriteLine(e);
            return 1;
        }
    }

    /// <summary>The command tree.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Variational autoencoders on TorchSharp: data, training, evaluation, figures and the results table.");
        root.Options.Add(new Option<bool>("--verbose") { Description = "With an error from libtorch, also print its stack trace (or set VAE_VERBOSE=1).", Recursive = true });
        root.Subcommands.Add(DataCommands.Create());
        foreach (var c in ModelCommands.Create()) root.Subcommands.Add(c);
        foreach (var c in ReproduceCommands.Create()) root.Subcommands.Add(c);
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(ExploreCommand.Create());
        return root;
    }

    /// <summary>The message for an expected failure, or null for a bug (which then keeps its stack trace).</summary>
    static string? OneLine(Exception e) => e switch
    {
        ArgumentException { ParamName: string p } => e.Message.Replace($" (Parameter '{p}')", ""),
        DatasetException or CheckpointException or TrainingDivergedException or Bench.PeerUnavailableException or ArgumentException or IOException or UnauthorizedAccessException => e.Message,
        System.Runtime.InteropServices.ExternalException x => NativeErrors.OneLine(x),
        OperationCanceledException => "cancelled; checkpoints are written only after completed epochs, so any that exists is intact (continue with the same command: --resume for train)",
        _ => null,
    };
}
