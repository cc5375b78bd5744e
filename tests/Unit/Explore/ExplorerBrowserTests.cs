using System.Diagnostics;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Vae.Tests.Unit.Cli;
using Xunit;

namespace Vae.Tests.Unit.Explore;

/// <summary>
/// `vae explore` on the committed MNIST checkpoint, started as users start it (the built CLI in its own process), and
/// the page in a real headless Chromium: the map's 10,000 points, the legend's 10 classes, a decode on load, live
/// decodes while the pointer moves over the map, sliders, an interpolation strip from two clicks, seeded prior samples,
/// the run's facts, and a screenshot that is not blank.
/// </summary>
public sealed class ExplorerBrowserTests
{
    /// <summary>Starts `vae explore` with <paramref name="args"/> and returns it with the URL it prints.</summary>
    internal static async Task<(Process Process, string Url)> StartExplore(params string[] args)
    {
        string vae = Path.Combine(AppContext.BaseDirectory, "vae.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = CliRunner.RepoRoot() };
        foreach (string a in new[] { vae, "explore" }.Concat(args)) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)); // a first run may fetch MNIST
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is string line)
            if (line.StartsWith("serving ", StringComparison.Ordinal)) return (process, line.Split(' ')[1]);
        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"vae explore did not start: {await errors}");
    }

    [Fact]
    public async Task The_page_shows_the_map_legend_live_decodes_sliders_interpolation_samples_and_facts_in_a_real_browser()
    {
        var (server, url) = await StartExplore("--checkpoint", "results/mnist-z2-warmup/checkpoint", "--port", "0", "--device", "cpu");
        try
        {
            await using var page = await HeadlessChromium.Open(url, 1440, 780);
            Assert.True(await page.WaitFor("document.getElementById('status').textContent.startsWith('ready')"), "the page never became ready");

            // The map and its legend.
            Assert.Equal("10000", (await page.Eval("document.getElementById('map').dataset.points")).GetString());
            Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString()),
                (await page.Eval("[...document.querySelectorAll('#legend li')].map(li => li.textContent)")).EnumerateArray().Select(e => e.GetString()));
            Assert.StartsWith("posterior means", (await page.Eval("document.getElementById('projection').textContent")).GetString());

            // A decode on load (test image 0), the interpolation strip between test images 0 and 1, samples of seed 1, the facts.
            Assert.True(await page.WaitFor("Number(document.getElementById('decoded').dataset.decodes) >= 1"));
            Assert.Equal(10, (await page.Eval("document.querySelectorAll('#strip canvas.frame').length")).GetInt32());
            Assert.Equal(16, (await page.Eval("document.querySelectorAll('#samples canvas').length")).GetInt32());
            Assert.Contains("seed 1", (await page.Eval("document.getElementById('sample-seed').textContent")).GetString());
            string facts = (await page.Eval("document.getElementById('facts').textContent")).GetString()!;
            Assert.Contains("135.99 nats (reconstruction 128.85 + KL 7.15)", facts);   // results/mnist-z2-warmup: seed 1's last test epoch
            Assert.Equal("metrics.json", (await page.Eval("document.getElementById('metrics').textContent")).GetString());

            // Live decodes: the pointer moves over the map; each position is decoded and the image changes.
            var rect = await page.Eval("(() => { const r = document.getElementById('map').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()");
            double left = rect[0].GetDouble(), top = rect[1].GetDouble(), width = rect[2].GetDouble(), height = rect[3].GetDouble();
            int before = (await page.Eval("Number(document.getElementById('decoded').dataset.decodes)")).GetInt32();
            string imageBefore = (await page.Eval("document.getElementById('decoded').toDataURL()")).GetString()!;
            for (int k = 0; k < 5; k++) await page.MouseMove(left + width * (0.2 + 0.15 * k), top + height * (0.3 + 0.1 * k));
            Assert.True(await page.WaitFor($"Number(document.getElementById('decoded').dataset.decodes) > {before} && document.getElementById('point').textContent.startsWith('map (')"), "no decode followed the pointer");
            Assert.NotEqual(imageBefore, (await page.Eval("document.getElementById('decoded').toDataURL()")).GetString());

            // Sliders: one per latent coordinate; moving one decodes its value.
            Assert.Equal(2, (await page.Eval("document.querySelectorAll('#sliders input[type=range]').length")).GetInt32());
            int beforeSlider = (await page.Eval("Number(document.getElementById('decoded').dataset.decodes)")).GetInt32();
            await page.Eval("(() => { const s = document.querySelector('#sliders input'); s.value = 2.5; s.dispatchEvent(new Event('input')); })()");
            Assert.True(await page.WaitFor($"Number(document.getElementById('decoded').dataset.decodes) > {beforeSlider} && document.getElementById('point').textContent === 'from the sliders'"));
            Assert.Equal("2.50", (await page.Eval("document.querySelector('#sliders span:nth-child(3)').textContent")).GetString());

            // Interpolation from two clicks on the map.
            await page.Click(left + width * 0.25, top + height * 0.25);
            await page.Click(left + width * 0.75, top + height * 0.75);
            Assert.True(await page.WaitFor("document.getElementById('ends').textContent.includes(' → B = ')"));
            Assert.Equal(10, (await page.Eval("document.querySelectorAll('#strip canvas.frame').length")).GetInt32());

            // Prior samples with another seed, shown on the page.
            await page.Eval("(() => { document.getElementById('seed').value = 42; document.getElementById('sample').click(); })()");
            Assert.True(await page.WaitFor("document.getElementById('sample-seed').textContent.includes('seed 42')"));

            // A screenshot that is not blank: many colours (the map's ten classes, grey images) and little of it white.
            byte[] png = await page.Screenshot();
            // VAE_EXPLORE_SCREENSHOT=docs/explore.png (relative to the repository) writes this screenshot for the README.
            if (Environment.GetEnvironmentVariable("VAE_EXPLORE_SCREENSHOT") is { Length: > 0 } keep)
                File.WriteAllBytes(Path.Combine(Vae.Tests.Unit.Cli.CliRunner.RepoRoot(), keep), png);
            using var shot = Image.Load<Rgba32>(png);
            var colours = new HashSet<Rgba32>();
            long light = 0;
            shot.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y += 2)
                    foreach (var p in rows.GetRowSpan(y)) { colours.Add(p); if (p.R > 240 && p.G > 240 && p.B > 240) light++; }
            });
            Assert.True(colours.Count > 200, $"only {colours.Count} colours: the page looks blank");
            Assert.True(light < 0.9 * shot.Width * shot.Height / 2, "the screenshot is nearly all white");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }
}

/// <summary>`vae explore` refusals, each one line and exit 1 before any server starts.</summary>
[Collection("console")]
public sealed class ExploreCommandTests
{
    [Fact]
    public void A_checkpoint_that_does_not_load_ends_explore_in_one_line_before_any_server_starts()
    {
        using var dir = new TempDir();
        var (code, output, err) = CliRunner.Run("explore", "--checkpoint", dir.File("nothing"), "--port", "0");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"vae: {dir.File("nothing")}: no checkpoint here (expected model.safetensors and trainer.json); train first or check the path", err.Trim());
    }

    [Theory]
    [InlineData("--host", "example.org", "vae: --host must be an IP address such as 127.0.0.1 or 0.0.0.0, got 'example.org'")]
    [InlineData("--port", "70000", "vae: --port must be ≤ 65,535, got 70,000 (see --help)")]
    public void A_bad_host_or_port_is_one_line(string option, string value, string expected)
    {
        var (code, _, err) = CliRunner.Run("explore", "--checkpoint", "results/mnist-z2-warmup/checkpoint", option, value);
        Assert.Equal(1, code);
        Assert.Equal(expected, err.Trim());
    }
}
