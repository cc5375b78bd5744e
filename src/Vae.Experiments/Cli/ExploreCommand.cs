using System.CommandLine;
using System.Diagnostics;
using System.Net;
using Vae.Core.Checkpoints;
using Vae.Core.Training;
using Vae.Experiments.Explore;
using Vae.Core.Runtime;

namespace Vae.Experiments.Cli;

/// <summary>`explore`: the interactive latent-space explorer, served on a local port.</summary>
internal static class ExploreCommand
{
    public static Command Create()
    {
        var checkpoint = Options.Checkpoint();
        var port = Options.Int("--port", "TCP port to serve on (0: any free port; the URL is printed).", 8050, min: 0, max: 65535);
        var host = new Option<string>("--host") { Description = "Address to bind (default 127.0.0.1, this machine only). Another address serves everyone who can reach it: a warning is printed.", DefaultValueFactory = _ => "127.0.0.1" };
        var device = Options.Device();
        var dataDir = Options.DataDir();
        var open = new Option<bool>("--open") { Description = "Open the page in the system browser." };
        var cmd = new Command("explore", "Serve an interactive latent-space explorer for a checkpoint: the test set's latent map, live decodes on hover, sliders, interpolation and prior samples.")
            { checkpoint, port, host, device, dataDir, open };
        cmd.SetAction(async (r, ct) =>
        {
            if (!IPAddress.TryParse(r.GetValue(host) == "localhost" ? "127.0.0.1" : r.GetValue(host), out var address))
                throw new ArgumentException($"--host must be an IP address such as 127.0.0.1 or 0.0.0.0, got '{r.GetValue(host)}'");
            var dev = Devices.Resolve(r.GetValue(device)!);
            string dir = Options.CheckpointIn(r.GetValue(checkpoint)!);
            using var session = ExplorerHost.Load(dir, r.GetValue(dataDir), dev, Console.Error.WriteLine);   // one line and exit 1 before any server starts
            if (!IPAddress.IsLoopback(address))
                Console.Error.WriteLine($"vae: warning: serving on {address}: anyone who can reach this machine can use the explorer (it decodes on this machine's {(dev.type == TorchSharp.DeviceType.CUDA ? "GPU" : "CPU")})");
            var (app, url) = await ExplorerServer.StartAsync(session, address, r.GetValue(port), ct);
            await using (app)
            {
                Console.WriteLine($"serving {url} (Ctrl-C stops)");
                if (r.GetValue(open)) OpenBrowser(url);
                try { await Task.Delay(Timeout.Infinite, ct); }
                catch (OperationCanceledException) { }
                await app.StopAsync(CancellationToken.None);
                Console.Error.WriteLine("stopped");
            }
            return 0;
        });
        return cmd;
    }

    static void OpenBrowser(string url)
    {
        string? opener = OperatingSystem.IsWindows() ? "explorer" : OperatingSystem.IsMacOS() ? "open"
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "xdg-open"))) ? "xdg-open" : null;
        if (opener is null) { Console.Error.WriteLine($"no browser opener found (xdg-open); open {url} yourself"); return; }
        try { Process.Start(new ProcessStartInfo(opener, url) { UseShellExecute = false })?.Dispose(); }
        catch (System.ComponentModel.Win32Exception e) { Console.Error.WriteLine($"could not open a browser ({e.Message}); open {url} yourself"); }
    }
}
