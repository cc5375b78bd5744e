using System.CommandLine;
using Vae.Core.Training;
using Vae.Experiments.Runs;

namespace Vae.Experiments.Cli;

/// <summary>`reproduce` and `report`.</summary>
internal static class ReproduceCommands
{
    const string PaperGroup = "paper";

    public static IEnumerable<Command> Create() => [Reproduce(), ReportCommand()];

    static Command Reproduce()
    {
        var entries = new Argument<string[]>("entries")
        {
            Description = $"Entries or groups: {string.Join(", ", Entries.All.Select(e => e.Name))}; groups {string.Join(", ", Entries.Groups.Keys)}, {PaperGroup} (Kingma and Welling 2013, Fig. 2 rerun: paper MLP vs our CNN across latent sizes, then the test NLL on binarised MNIST of both with k = {LikelihoodExperiment.K} importance samples).",
            Arity = ArgumentArity.OneOrMore,
        };
        var seeds = new Option<int?>("--seeds") { Description = "Number of seeds (1..N); default: the entry's (3 for reference rows, 1 otherwise)." };
        var quick = new Option<bool>("--quick") { Description = $"Check the path end to end: {Reproducer.QuickTrain} training and {Reproducer.QuickTest} test images, {Reproducer.QuickEpochs} epochs, written to scratch/quick unless --out is given." };
        var outDir = Options.Out("Results folder (default: results, or scratch/quick with --quick).", required: false);
        var runsDir = new Option<string?>("--runs") { Description = "Folder for full per-seed checkpoints used to resume (default: runs/ for results, runs/out-<path of --out>/ for another --out, scratch/quick/runs for --quick): runs of different output folders never mix." };
        var force = new Option<bool>("--force") { Description = "Retrain seeds that already have results." };
        var epochs = new Option<int?>("--epochs") { Description = "Override the protocol's epochs (results are then not the protocol's)." };
        var device = Options.Device();
        var dataDir = Options.DataDir();
        var cmd = new Command("reproduce", "Train, evaluate and draw entries of the results table; writes results/<entry>/ (metrics.json, checkpoint, figures).")
        {
            entries, seeds, quick, outDir, runsDir, force, epochs, device, dataDir,
        };
        seeds.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--seeds must be ≥ 1"); });
        epochs.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--epochs must be ≥ 1"); });
        cmd.SetAction((r, ct) =>
        {
            string[] names = r.GetValue(entries)!;
            bool paper = names.Contains(PaperGroup);
            var list = Entries.Resolve(names.Where(n => n != PaperGroup));
            bool isQuick = r.GetValue(quick);
            string results = r.GetValue(outDir) ?? (isQuick ? Path.Combine("scratch", "quick") : "results");
            string runs = r.GetValue(runsDir) ?? (isQuick && r.GetValue(outDir) is null ? Path.Combine("scratch", "quick", "runs")
                : results == "results" ? "runs" : Path.Combine("runs", "out-" + string.Concat(Path.GetFullPath(results).Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_')).Trim('_')));
            Console.Error.WriteLine($"reproduce: results in {results}, resumable runs in {runs}");
            var options = new ReproduceOptions(r.GetValue(seeds), isQuick, results, runs, Options.Data(r.GetValue(dataDir)), r.GetValue(device)!, r.GetValue(force), r.GetValue(epochs));
            foreach (var entry in list) Reproducer.Run(entry, options, Console.WriteLine, ct);
            if (paper)
            {
                PaperExperiment.Run(options, Console.WriteLine, ct);
                LikelihoodExperiment.Run(options, Console.WriteLine, ct);
            }
            if (!isQuick) Report.Write(results, Devices.Resolve(r.GetValue(device)!), Console.WriteLine);
            return Task.FromResult(0);
        });
        return cmd;
    }

    static Command ReportCommand()
    {
        var outDir = Options.Out("Results folder.", required: false);
        var device = Options.Device();
        var cmd = new Command("report", "Regenerate results/README.md (the table with reference, ours and difference) and the samples-by-latent figures.") { outDir, device };
        cmd.SetAction(r =>
        {
            Report.Write(r.GetValue(outDir) ?? "results", Devices.Resolve(r.GetValue(device)!), Console.WriteLine);
            return 0;
        });
        return cmd;
    }
}
