using System.CommandLine;
using Vae.Core.Training;
using Vae.Experiments.Runs;
using Vae.Core.Runtime;

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
        var outDir = Options.Out("Output folder (default: scratch/reproduce, or scratch/quick with --quick). The committed results change only with --out results.", required: false);
        var runsDir = new Option<string?>("--runs") { Description = "Folder for full per-seed checkpoints used to resume (default: <out>/runs, or runs/ for --out results): runs of different output folders never mix." };
        var force = new Option<bool>("--force") { Description = "Retrain seeds that already have results; a seed's checkpoint is moved aside (SEED.aside-TIME), never deleted." };
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
            string results = r.GetValue(outDir) ?? Path.Combine("scratch", isQuick ? "quick" : "reproduce");
            bool publishing = Path.GetFullPath(results) == Path.GetFullPath("results");
            string runs = r.GetValue(runsDir) ?? (publishing ? "runs" : Path.Combine(results, "runs"));
            Console.Error.WriteLine($"reproduce: results in {results}, resumable runs in {runs}" + (publishing ? " (updating the committed results)" : ""));
            var options = new ReproduceOptions(r.GetValue(seeds), isQuick, results, runs, DataAccess.Options(r.GetValue(dataDir)), r.GetValue(device)!, r.GetValue(force), r.GetValue(epochs));
            var done = new List<EntryMetrics>();
            for (int i = 0; i < list.Count; i++)
            {
                Console.Error.WriteLine($"reproduce: entry {i + 1} of {list.Count}: {list[i].Name}");
                done.Add(Reproducer.Run(list[i], options, Console.Error.WriteLine, ct));
            }
            if (paper)
            {
                PaperExperiment.Run(options, Console.Error.WriteLine, ct);
                LikelihoodExperiment.Run(options, Console.Error.WriteLine, ct);
            }
            if (!isQuick) Report.Write(results, Devices.Resolve(r.GetValue(device)!), Console.Error.WriteLine);
            if (done.Count > 0 && !publishing) PrintComparison(done, isQuick);
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>This run's test totals next to the committed results/ and the seed's references.</summary>
    static void PrintComparison(IReadOnlyList<EntryMetrics> done, bool quick)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine($"{"entry",-24} {"this run",16} {"results/",16} {"reference",10}" + (quick ? "   (quick: a path check, not comparable)" : ""));
        foreach (var m in done)
        {
            string committedFile = Path.Combine("results", m.Entry, "metrics.json");
            string committed = File.Exists(committedFile)
                ? System.Text.Json.JsonSerializer.Deserialize<EntryMetrics>(File.ReadAllText(committedFile), Vae.Core.Config.ConfigJson.Options)!.Test.Total.ToString("F2", inv)
                : "—";
            string ours = string.Create(inv, $"{m.Test.Total:F2} ({m.Seeds.Count} seed{(m.Seeds.Count == 1 ? "" : "s")})");
            Console.WriteLine(string.Create(inv, $"{m.Entry,-24} {ours,16} {committed,16} {m.Reference?.Total.ToString("F2", inv) ?? "—",10}"));
        }
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
