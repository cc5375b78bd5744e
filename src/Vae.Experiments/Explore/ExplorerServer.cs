using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vae.Core.Config;

namespace Vae.Experiments.Explore;

/// <summary>
/// The explorer's web server (ASP.NET Core minimal API): the page and its script and style from embedded resources
/// (a fixed table of three names: no path ever reaches the file system), and a small JSON API over an
/// <see cref="ExplorerSession"/>. Every bad request is a 400 with one line of JSON, <c>{"error": "..."}</c>; an
/// unexpected failure is a 500 of the same shape, and the server goes on.
/// </summary>
internal static class ExplorerServer
{
    /// <summary>The page, script and style, by URL path.</summary>
    static readonly Dictionary<string, (string Resource, string ContentType)> Assets = new(StringComparer.Ordinal)
    {
        ["/"] = ("index.html", "text/html; charset=utf-8"),
        ["/explore.js"] = ("explore.js", "text/javascript; charset=utf-8"),
        ["/explore.css"] = ("explore.css", "text/css; charset=utf-8"),
    };

    /// <summary>Builds and starts the server on <paramref name="host"/>:<paramref name="port"/> (0: any free port); returns it and its URL.</summary>
    public static async Task<(WebApplication App, string Url)> StartAsync(ExplorerSession session, IPAddress host, int port, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();   // the CLI prints; the library of the server does not
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(host, port);
            k.Limits.MaxRequestBodySize = 4 * ExplorerRequests.MaxBodyBytes;   // the handlers refuse anything over MaxBodyBytes themselves
            k.Limits.MaxConcurrentConnections = 64;
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            try { await next(context); }
            catch (BadRequestException e) { await Error(context, StatusCodes.Status400BadRequest, e.Message); }
            catch (ExplorerBusyException e) { await Error(context, StatusCodes.Status503ServiceUnavailable, e.Message); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await Error(context, StatusCodes.Status500InternalServerError, $"internal error: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
        });
        Map(app, session);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, address.EndsWith('/') ? address : address + "/");
    }

    static void Map(WebApplication app, ExplorerSession session)
    {
        foreach (var (path, (resource, type)) in Assets)
            app.MapGet(path, () => Results.Bytes(Asset(resource), type));
        app.MapGet("/api/info", () => Results.Json(Info(session), ConfigJson.Options));
        app.MapGet("/api/map", () => Results.Json(new
        {
            x = session.MapX.Select(v => Math.Round(v, 4)),
            y = session.MapY.Select(v => Math.Round(v, 4)),
            labels = session.Labels,
        }));
        app.MapGet("/api/latent", (HttpRequest request) =>
        {
            int i = ExplorerRequests.Index(request.Query["index"], session.Count);
            return Results.Json(new { index = i, label = session.Labels[i], z = session.LatentOf(i) });
        });
        app.MapPost("/api/decode", async (HttpRequest request, CancellationToken ct) =>
        {
            using var body = await ExplorerRequests.ReadJson(request.Body, request.ContentLength, ct);
            var z = ExplorerRequests.LatentVectors(body, session.LatentDim);
            return Results.Json(Images(session.Decode(z)));
        });
        app.MapPost("/api/sample", async (HttpRequest request, CancellationToken ct) =>
        {
            using var body = await ExplorerRequests.ReadJson(request.Body, request.ContentLength, ct);
            var (seed, count) = ExplorerRequests.Sample(body);
            return Results.Json(new { seed, images = Images(session.Sample(seed, count)).images });
        });
        app.MapGet("/api/metrics", () => session.Facts.MetricsFile is string file
            ? Results.Bytes(Vae.Core.Files.RegularFile.ReadAllBytes(file, 16 << 20, "a metrics file", p => new BadRequestException($"{Path.GetFileName(file)} {p}")), "application/json")
            : Results.Json(new { error = "this run has no metrics.json or history.json beside its checkpoint" }, statusCode: StatusCodes.Status404NotFound));
        app.MapFallback((HttpContext context) => Error(context, StatusCodes.Status404NotFound, $"no such page: {ExplorerRequests.Truncate(context.Request.Path.Value ?? "", 80)}"));
    }

    /// <summary>What the page's fact panel and controls need.</summary>
    static object Info(ExplorerSession s)
    {
        var m = s.Facts.Model;
        return new
        {
            checkpoint = s.Facts.Checkpoint,
            dataset = s.Facts.Training.Dataset,
            latentDim = s.LatentDim,
            channels = m.Channels, height = m.Height, width = m.Width,
            projection = s.Pca is null ? "latent" : "pca",
            axes = s.Pca is { } p
                ? new[] { $"PC1 ({p.ExplainedVariance[0]:P0} of variance)", $"PC2 ({p.ExplainedVariance[1]:P0} of variance)" }
                : s.LatentDim == 1 ? ["z₁ (posterior mean)", "class"] : ["z₁ (posterior mean)", "z₂ (posterior mean)"],
            pcaMean = s.Pca?.Mean,
            pcaBasis = s.Pca is { } b ? new[] { Column(b.Basis, 0), Column(b.Basis, 1) } : null,
            classNames = s.Facts.ClassNames,
            points = s.Count,
            epochs = s.Facts.Epochs,
            test = s.Facts.Test,
            model = m,
            training = s.Facts.Training,
            metrics = s.Facts.MetricsFile is string f ? Path.GetFileName(f) : null,
            limits = new { maxBatch = ExplorerSession.MaxBatch, maxAbs = ExplorerSession.MaxAbs, maxSeed = ExplorerRequests.MaxSeed, sliders = s.LatentDim <= 32 },
        };
    }

    static double[] Column(double[,] m, int c) => Enumerable.Range(0, m.GetLength(0)).Select(r => m[r, c]).ToArray();

    static ImagesReply Images(byte[][] images) => new(images.Select(Convert.ToBase64String).ToArray());

    /// <summary>Images as base64 of their bytes (rows, then columns, then channels; 0–255).</summary>
    internal sealed record ImagesReply(string[] images);

    static byte[] Asset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"explore/{name}")
            ?? throw new InvalidOperationException($"the embedded resource {name} is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    static Task Error(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { error = message }, ErrorJson));
    }

    static readonly JsonSerializerOptions ErrorJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
