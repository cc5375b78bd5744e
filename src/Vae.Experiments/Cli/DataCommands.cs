using System.CommandLine;
using System.Text.Json;
using Vae.Data;
using Vae.Data.Acquisition;
using Vae.Experiments.Figures;
using Vae.Experiments.Terminal;
using Vae.Experiments.Runs;

namespace Vae.Experiments.Cli;

/// <summary>`data info` and `data preview`.</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var data = new Command("data", "Acquire, verify and inspect datasets.");
        data.Subcommands.Add(Info());
        data.Subcommands.Add(Preview());
        return data;
    }

    static Command Info()
    {
        var dataset = Options.Dataset();
        var dataDir = Options.DataDir();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var cmd = new Command("info", "Find or fetch a dataset, verify it, and print count, shape, label histogram, SHA-256, source and load time per split.")
        {
            dataset, dataDir, json,
        };
        cmd.SetAction(r =>
        {
            bool asJson = r.GetValue(json);
            Action<string> log = Console.Error.WriteLine; // progress on stderr; the summary (text or JSON) alone on stdout
            var splits = new List<object>();
            foreach (var split in new[] { Split.Train, Split.Test })
            {
                var loaded = DatasetStore.Load(r.GetValue(dataset)!, split, DataAccess.Options(r.GetValue(dataDir)), new LineLog(log));
                using var ds = loaded.Dataset;
                long[] labels = ds.Labels.data<long>().ToArray();
                var histogram = ds.Info.ClassNames.Select((name, k) => new { label = k, name, count = labels.Count(l => l == k) }).ToArray();
                var info = new
                {
                    split = split.ToString().ToLowerInvariant(), count = ds.Count, shape = new[] { ds.Info.Channels, ds.Info.Height, ds.Info.Width },
                    histogram, files = loaded.Files.Select((f, i) => new { path = f.Path, source = f.Source, sha256 = loaded.Sha256[i] }).ToArray(),
                    loadSeconds = Math.Round(loaded.LoadSeconds, 3),
                };
                splits.Add(info);
                if (!asJson)
                {
                    Console.WriteLine($"{ds.Info.Name} {info.split}: {ds.Count} images of {ds.Info.Channels}x{ds.Info.Height}x{ds.Info.Width}, loaded in {loaded.LoadSeconds:F2} s");
                    Console.WriteLine("  labels: " + string.Join(", ", histogram.Select(h => $"{h.label} ({h.name}): {h.count}")));
                    foreach (var f in info.files) Console.WriteLine($"  {f.path}  sha256 {f.sha256}  ({f.source})");
                }
            }
            if (asJson) Console.WriteLine(JsonSerializer.Serialize(new { dataset = r.GetValue(dataset), splits }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return cmd;
    }

    static Command Preview()
    {
        var dataset = Options.Dataset();
        var dataDir = Options.DataDir();
        var outFile = Options.PngOut();
        var cmd = new Command("preview", "Write a 10x10 grid of the first 100 training images.") { dataset, dataDir, outFile };
        cmd.SetAction(r =>
        {
            var loaded = DatasetStore.Load(r.GetValue(dataset)!, Split.Train, DataAccess.Options(r.GetValue(dataDir)), new LineLog(Console.Error.WriteLine));
            using var ds = loaded.Dataset;
            using var first = ds.Images.narrow(0, 0, Math.Min(100, ds.Count));
            ImageGrid.Save(first, 10, r.GetValue(outFile)!);
            Console.WriteLine($"wrote {r.GetValue(outFile)}");
            return 0;
        });
        return cmd;
    }
}
