using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vae.Tests.Unit.Explore;

/// <summary>
/// A real browser for tests: headless Chromium (Debian's <c>chromium</c>; .ci/run installs it) driven over the Chrome
/// DevTools Protocol with the framework's own WebSocket client, since no browser-automation package is on our registry.
/// It opens one page and can evaluate script in it, move and click the mouse, and take a screenshot.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    readonly Process process;
    readonly ClientWebSocket socket = new();
    readonly string profile;
    string? session;
    int nextId;

    HeadlessChromium(Process process, string profile) => (this.process, this.profile) = (process, profile);

    /// <summary>The browser on PATH ($VAE_CHROMIUM first), or null.</summary>
    public static string? Find() =>
        Environment.GetEnvironmentVariable("VAE_CHROMIUM") is { Length: > 0 } chosen ? chosen
        : new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);

    /// <summary>Starts the browser and opens <paramref name="url"/> in a page of <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static async Task<HeadlessChromium> Open(string url, int width, int height)
    {
        string exe = Find() ?? throw new InvalidOperationException("no chromium on PATH: apt-get install -y chromium (.ci/run installs it), or set VAE_CHROMIUM");
        string profile = Directory.CreateTempSubdirectory("vae-chromium").FullName;
        var psi = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--remote-debugging-port=0",
                     $"--user-data-dir={profile}", $"--window-size={width},{height}", "about:blank" })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var browser = new HeadlessChromium(process, profile);
        string? endpoint = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (endpoint is null && DateTime.UtcNow < deadline && await process.StandardError.ReadLineAsync() is string line)
            if (DevTools().Match(line) is { Success: true } m) endpoint = m.Groups[1].Value;
        if (endpoint is null) { await browser.DisposeAsync(); throw new InvalidOperationException("chromium did not print its DevTools address"); }
        _ = process.StandardError.ReadToEndAsync();   // keep draining
        await browser.socket.ConnectAsync(new Uri(endpoint), CancellationToken.None);
        var target = await browser.Send("Target.createTarget", new { url = "about:blank" }, inPage: false);
        var attached = await browser.Send("Target.attachToTarget", new { targetId = target.GetProperty("targetId").GetString(), flatten = true }, inPage: false);
        browser.session = attached.GetProperty("sessionId").GetString();
        await browser.Send("Emulation.setDeviceMetricsOverride", new { width, height, deviceScaleFactor = 1, mobile = false });
        await browser.Send("Page.navigate", new { url });
        return browser;
    }

    /// <summary>Sends one DevTools command and returns its result (events in between are skipped).</summary>
    public async Task<JsonElement> Send(string method, object parameters, bool inPage = true)
    {
        int id = ++nextId;
        var message = inPage ? (object)new { id, method, @params = parameters, sessionId = session } : new { id, method, @params = parameters };
        await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var reply = JsonDocument.Parse(await Receive(timeout.Token));
            if (!reply.RootElement.TryGetProperty("id", out var got) || got.GetInt32() != id) continue;
            if (reply.RootElement.TryGetProperty("error", out var error)) throw new InvalidOperationException($"{method}: {error}");
            return reply.RootElement.GetProperty("result").Clone();
        }
    }

    /// <summary>The value of a script expression in the page (promises awaited).</summary>
    public async Task<JsonElement> Eval(string expression)
    {
        var result = await Send("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (result.TryGetProperty("exceptionDetails", out var e)) throw new InvalidOperationException($"script failed: {e}");
        return result.GetProperty("result").TryGetProperty("value", out var v) ? v.Clone() : default;
    }

    /// <summary>Waits until <paramref name="condition"/> (a script expression) is true; false after <paramref name="seconds"/>.</summary>
    public async Task<bool> WaitFor(string condition, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if ((await Eval($"(() => {{ try {{ return !!({condition}); }} catch {{ return false; }} }})()")).ValueKind == JsonValueKind.True) return true; // false while the page loads
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>Moves the mouse to page coordinates (x, y), as a user's pointer would.</summary>
    public Task MouseMove(double x, double y) => Send("Input.dispatchMouseEvent", new { type = "mouseMoved", x, y, button = "none" });

    /// <summary>A left click at page coordinates (x, y).</summary>
    public async Task Click(double x, double y)
    {
        await Send("Input.dispatchMouseEvent", new { type = "mousePressed", x, y, button = "left", clickCount = 1 });
        await Send("Input.dispatchMouseEvent", new { type = "mouseReleased", x, y, button = "left", clickCount = 1 });
    }

    /// <summary>A PNG of the page as shown.</summary>
    public async Task<byte[]> Screenshot() =>
        Convert.FromBase64String((await Send("Page.captureScreenshot", new { format = "png" })).GetProperty("data").GetString()!);

    async Task<byte[]> Receive(CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException("chromium closed the DevTools connection");
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return message.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        try { if (socket.State == WebSocketState.Open) await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None); }
        catch (WebSocketException) { }
        socket.Dispose();
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        await process.WaitForExitAsync();
        process.Dispose();
        try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevTools();
}
