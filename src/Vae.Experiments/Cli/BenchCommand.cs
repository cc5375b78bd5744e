using System.CommandLine;
using System.Globalization;
using Vae.Core.Config;
using Vae.Core.Training;
using Vae.Experiments.Bench;
using Vae.Core.Runtime;

namespace Vae.Experiments.Cli;

/// <summary>`bench`: machine limit, training and evaluation throughput, data overhead, memory, start-up.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object (progress goes to stderr)." };
        var device = Options.Device();
        var peer = new Option<bool>("--peer") { Description = "Also time the same models in PyTorch (benchmarks/peer_pytorch.py; on Debian 12: apt-get install python3-torch), alternating with ours, and print the ratio." };
        var quick = new Option<bool>("--quick") { Description = "A pass of a few seconds that checks the path: fewer repeats, a smaller GEMM, k = 50, 3 short epochs of memory; its numbers are not comparable with a full run." };
        var cmd = new Command("bench", "Measure GEMM throughput, training ms/step and FLOP utilisation, importance-weighted throughput, data overhead, RSS growth and start-up time.") { json, device, peer, quick };
        cmd.SetAction(r =>
        {
            bool asJson = r.GetValue(json);
            Action<string> log = Console.Error.WriteLine; // progress on stderr; the report (text or JSON) alone on stdout
            var report = BenchRunner.Run(Devices.Resolve(r.GetValue(device)!), r.GetValue(peer), log, r.GetValue(quick));
            if (asJson) Console.WriteLine(ConfigJson.Serialize(report));
            else Print(report);
            return 0;
        });
        return cmd;
    }

    static void Print(BenchReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"device {r.Device}, {r.Threads} threads, commit {r.Commit}{(r.Quick ? " (quick: a path check, not comparable)" : "")}"));
        Console.WriteLine(string.Create(inv, $"{"machine limit (GEMM " + r.GemmSize + "², float32)",-44} {r.GemmGflops,10:F1} GFLOP/s"));
        foreach (var t in r.Training)
        {
            Console.WriteLine();
            Console.WriteLine($"{t.Model}: {t.Parameters:N0} parameters");
            Console.WriteLine($"  {"layer",-22} {"kind",-16} {"shape",-34} {"fwd MFLOP",10}");
            foreach (var l in t.Layers) Console.WriteLine(string.Create(inv, $"  {l.Name,-22} {l.Kind,-16} {l.Shape,-34} {2.0 * l.Macs / 1e6,10:F2}"));
            Console.WriteLine(string.Create(inv, $"  {"training FLOPs per example (3 × forward)",-74} {t.TrainingGflopPerExample * 1000,10:F2} MFLOP"));
            Console.WriteLine(string.Create(inv, $"  {"ms per step (batch 128, median)",-74} {t.MsPerStep,10:F2}"));
            Console.WriteLine(string.Create(inv, $"  {"examples per second",-74} {t.ExamplesPerSecond,10:F0}"));
            Console.WriteLine(string.Create(inv, $"  {"achieved GFLOP/s",-74} {t.AchievedGflops,10:F1}"));
            Console.WriteLine(string.Create(inv, $"  {"model FLOP utilisation (achieved ÷ GEMM)",-74} {t.Utilisation,10:P1}"));
            Console.WriteLine(string.Create(inv, $"  {"data pipeline share of step time",-74} {t.DataShare,10:P2}"));
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"{"importance-weighted bound, k = " + r.IwK + " (images/s)",-44} {r.IwImagesPerSecond,10:F1}"));
        Console.WriteLine(string.Create(inv, $"{"RSS growth, epoch 2 → " + r.RssMiB.Count + " (%)",-44} {r.RssGrowthPercent,10:F2}"));
        Console.WriteLine(string.Create(inv, $"{"start-up to first training step (s)",-44} {r.StartupSeconds,10:F2}"));
        if (r.ExploreDecodeMs is double ms)
            Console.WriteLine(string.Create(inv, $"{"explore: decode one point over HTTP (ms)",-44} {ms,10:F2}   ({r.ExploreDecodeInProcessMs:F2} in-process)"));
        if (r.Peer is { } p)
        {
            Console.WriteLine();
            Console.WriteLine($"PyTorch peer {p.Torch} on {p.PeerDevice ?? "cpu"} ({p.Rounds} alternating rounds; ratio = peer ms ÷ our ms, above 1 means we are faster):");
            foreach (var key in p.Ratio.Keys)
                Console.WriteLine(string.Create(inv, $"  {key,-12} ours {p.OursMsPerStep[key],9:F2} ms   peer {p.PeerMsPerStep[key],9:F2} ms   ratio {p.Ratio[key],6:F2}") +
                    (p.PeerFusedMsPerStep is { } fused && fused.TryGetValue(key, out double f) ? string.Create(inv, $"   peer with fused Adam {f,7:F2} ms") : ""));
            if (p.PeerFusedMsPerStep is null)
            {
                Console.WriteLine(string.Create(inv, $"  note: on Debian's python3-torch the peer has generic BLAS (GEMM {p.PeerGemmGflops:F1} GFLOP/s against our {r.GemmGflops:F1}), a weak baseline;"));
                Console.WriteLine("  the model FLOP utilisation above is the figure that matters.");
            }
        }
        Console.WriteLine(string.Create(inv, $"{"bench wall time (s)",-44} {r.WallSeconds,10:F1}"));
    }
}
