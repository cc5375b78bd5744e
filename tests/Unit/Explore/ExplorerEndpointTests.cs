using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TorchSharp;
using Vae.Core.Config;
using Vae.Core.Evaluation;
using Vae.Core.Training;
using Vae.Experiments.Explore;
using Vae.Tests.Unit.Core;
using Xunit;
using Vae.Core.Metrics;
using Vae.Core.Runtime;

namespace Vae.Tests.Unit.Explore;

/// <summary>
/// The explorer's API on a loopback server over a small synthetic model: decodes equal the model's own Decode, samples
/// equal SamplePrior with the same seed, the map is the test set's posterior means (or their PCA), every bad request is
/// a 400 with one line, no path reaches a file, and the server answers after every refusal.
/// </summary>
public sealed class ExplorerEndpointTests : IAsyncLifetime
{
    static readonly ModelConfig Config = Synthetic.SmallConv;
    Microsoft.AspNetCore.Builder.WebApplication? app;
    ExplorerSession? session;
    readonly HttpClient http = new();
    torch.Tensor? images;

    public async Task InitializeAsync()
    {
        images = Synthetic.Images(60, 5);
        var model = Trainer.CreateModel(Config, 4, torch.CPU);
        var labels = Enumerable.Range(0, 60).Select(i => (long)(i % 4)).ToArray();
        var facts = new ExplorerFacts("ckpt", Config, new TrainingConfig { Dataset = "mnist" }, 3, new LossSummary(150, 140, 10), ["a", "b", "c", "d"], null);
        session = ExplorerSession.Create(model, images, labels, facts);
        string url;
        (app, url) = await ExplorerServer.StartAsync(session, IPAddress.Loopback, 0, CancellationToken.None);
        http.BaseAddress = new Uri(url);
    }

    public async Task DisposeAsync()
    {
        if (app is not null) await app.DisposeAsync();
        session?.Dispose();
        images?.Dispose();
        http.Dispose();
    }

    async Task<(HttpStatusCode Code, JsonElement Body)> Post(string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    /// <summary>What Decode and ToImage give for these latent vectors, as bytes rows × columns × channels.</summary>
    static byte[][] Direct(Func<Vae.Core.Models.VariationalAutoencoder, torch.Tensor> images, Vae.Core.Models.VariationalAutoencoder model)
    {
        using var _ = torch.inference_mode();
        using var x = images(model);
        using var scaled = (x.clamp(0, 1) * 255).round().to_type(torch.ScalarType.Byte).permute(0, 2, 3, 1).contiguous();
        var all = scaled.data<byte>().ToArray();
        int per = all.Length / (int)scaled.shape[0];
        return Enumerable.Range(0, (int)scaled.shape[0]).Select(i => all[(i * per)..((i + 1) * per)]).ToArray();
    }

    [Fact]
    public async Task A_decoded_point_is_the_image_that_Decode_gives_for_it()
    {
        var (code, body) = await Post("/api/decode", """{"z": [[0.5, -1.25], [0, 0]]}""");
        Assert.Equal(HttpStatusCode.OK, code);
        var got = body.GetProperty("images").EnumerateArray().Select(e => Convert.FromBase64String(e.GetString()!)).ToArray();
        using var model = Trainer.CreateModel(Config, 4, torch.CPU);   // the same seed: the same weights as the served model
        model.eval();
        var expected = Direct(m => Generation.ToImage(m, m.Decode(torch.tensor(new[] { 0.5f, -1.25f, 0f, 0f }, [2, 2]))), model);
        Assert.Equal(2, got.Length);
        Assert.Equal(28 * 28, got[0].Length);                           // [H, W, C] with C = 1
        Assert.Equal(expected[0], got[0]);
        Assert.Equal(expected[1], got[1]);
    }

    [Fact]
    public async Task Samples_with_a_seed_are_the_prior_samples_of_that_seed_and_repeat()
    {
        var (code, body) = await Post("/api/sample", """{"seed": 7, "count": 5}""");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(7, body.GetProperty("seed").GetInt64());
        var got = body.GetProperty("images").EnumerateArray().Select(e => Convert.FromBase64String(e.GetString()!)).ToArray();
        using var model = Trainer.CreateModel(Config, 4, torch.CPU);
        using var g = Devices.Generator(7, torch.CPU);
        var expected = Direct(m => Generation.SamplePrior(m, 5, g, torch.CPU), model);
        Assert.Equal(expected, got);
        var (_, again) = await Post("/api/sample", """{"seed": 7, "count": 5}""");
        Assert.Equal(body.GetProperty("images").ToString(), again.GetProperty("images").ToString());
    }

    [Fact]
    public async Task The_map_holds_every_test_image_at_its_posterior_mean_with_its_label()
    {
        var map = await http.GetFromJsonAsync<JsonElement>("/api/map");
        var x = map.GetProperty("x").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var y = map.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(60, x.Length);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => (long)(i % 4)), map.GetProperty("labels").EnumerateArray().Select(e => e.GetInt64()));
        using var model = Trainer.CreateModel(Config, 4, torch.CPU);
        using var mu = Generation.LatentMeans(model, images!);             // [60, 2]
        var m = mu.data<float>().ToArray();
        for (int i = 0; i < 60; i++)
        {
            Assert.Equal(m[2 * i], x[i], 0.00006);                        // rounded to 4 decimals on the wire
            Assert.Equal(m[2 * i + 1], y[i], 0.00006);
        }
        var latent = await http.GetFromJsonAsync<JsonElement>("/api/latent?index=17");
        Assert.Equal(new[] { m[34], m[35] }, latent.GetProperty("z").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal(1, latent.GetProperty("label").GetInt64());
    }

    [Fact]
    public async Task The_info_gives_the_run_the_limits_and_no_projection_for_a_two_dimensional_latent()
    {
        var info = await http.GetFromJsonAsync<JsonElement>("/api/info");
        Assert.Equal("latent", info.GetProperty("projection").GetString());
        Assert.Equal(2, info.GetProperty("latentDim").GetInt32());
        Assert.Equal(150, info.GetProperty("test").GetProperty("total").GetDouble());
        Assert.Equal(60, info.GetProperty("points").GetInt32());
        Assert.True(info.GetProperty("limits").GetProperty("sliders").GetBoolean());
        Assert.Equal(["a", "b", "c", "d"], info.GetProperty("classNames").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("/api/decode", "{\"z\": [[1, 2, 3]]}", "z[0] must be a list of 2 numbers (this model's latent dimension), got a list of 3")]
    [InlineData("/api/decode", "{\"z\": [[1]]}", "z[0] must be a list of 2 numbers (this model's latent dimension), got a list of 1")]
    [InlineData("/api/decode", "{\"z\": [[null, 1]]}", "z[0][0] must be a finite number, got null")]
    [InlineData("/api/decode", "{\"z\": [[\"NaN\", 1]]}", "z[0][0] must be a finite number, got the string \"NaN\"")]
    [InlineData("/api/decode", "{\"z\": [[1e400, 1]]}", "z[0][0] must be a finite number, got 1e400")]
    [InlineData("/api/decode", "{\"z\": [[1e6, 1]]}", "z[0][0] is 1E+06; values must lie within ±50 (the prior is N(0, I))")]
    [InlineData("/api/decode", "{\"z\": []}", "\"z\" holds 0 vectors; send 1 to 64")]
    [InlineData("/api/decode", "{}", "\"z\" must be a list of latent vectors, each a list of 2 numbers")]
    [InlineData("/api/decode", "[1, 2]", "the request body must be a JSON object, got a list of 2")]
    [InlineData("/api/sample", "{\"seed\": -1, \"count\": 3}", "\"seed\" must be an integer from 0 to 9,007,199,254,740,991, got -1")]
    [InlineData("/api/sample", "{\"seed\": 1.5, \"count\": 3}", "\"seed\" must be an integer from 0 to 9,007,199,254,740,991, got 1.5")]
    [InlineData("/api/sample", "{\"seed\": \"x\", \"count\": 3}", "\"seed\" must be an integer from 0 to 9,007,199,254,740,991, got the string \"x\"")]
    [InlineData("/api/sample", "{\"seed\": 1, \"count\": 65}", "\"count\" must be an integer from 1 to 64, got 65")]
    [InlineData("/api/sample", "{\"seed\": 1, \"count\": 0}", "\"count\" must be an integer from 1 to 64, got 0")]
    [InlineData("/api/sample", "{\"seed\": 1}", "\"count\" must be an integer from 1 to 64, got nothing")]
    public async Task Every_bad_request_is_a_400_with_one_line_and_the_server_goes_on(string path, string json, string error)
    {
        var (code, body) = await Post(path, json);
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Post("/api/decode", """{"z": [[0, 0]]}""")).Code);   // still serving
    }

    [Fact]
    public async Task Sixty_five_vectors_or_a_body_over_the_bound_or_broken_json_are_refused_in_one_line()
    {
        string many = "{\"z\": [" + string.Join(",", Enumerable.Repeat("[0, 0]", 65)) + "]}";
        Assert.Equal("\"z\" holds 65 vectors; send 1 to 64", (await Post("/api/decode", many)).Body.GetProperty("error").GetString());
        string huge = "{\"z\": [[0, 0]], \"pad\": \"" + new string('x', 300_000) + "\"}";
        var (code, body) = await Post("/api/decode", huge);
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal($"the request body is {Encoding.UTF8.GetByteCount(huge):N0} bytes; at most 262,144 are read", body.GetProperty("error").GetString());
        var (brokenCode, broken) = await Post("/api/decode", "{\"z\": [[0, 0]");
        Assert.Equal(HttpStatusCode.BadRequest, brokenCode);
        Assert.StartsWith("the request body is not JSON (", broken.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/api/latent?index=60", "index must be an integer from 0 to 59, got '60'")]
    [InlineData("/api/latent?index=-1", "index must be an integer from 0 to 59, got '-1'")]
    [InlineData("/api/latent?index=abc", "index must be an integer from 0 to 59, got 'abc'")]
    [InlineData("/api/latent", "index must be an integer from 0 to 59, got ''")]
    public async Task A_bad_index_is_a_400(string path, string error)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/../../../../etc/passwd")]
    [InlineData("/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/..%2f..%2fetc%2fpasswd")]
    [InlineData("/explore.js/../../../etc/passwd")]
    [InlineData("/Vae.Experiments.csproj")]
    [InlineData("/vae.dll")]
    public async Task No_path_reaches_a_file_outside_the_three_embedded_assets(string path)
    {
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(http.BaseAddress!.Host, http.BaseAddress.Port);
        using var stream = socket.GetStream();
        // Sent as raw bytes: an HTTP client would normalise the dots before they reach the server.
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
        string reply = await new StreamReader(stream).ReadToEndAsync();
        Assert.DoesNotContain("root:", reply);
        Assert.Matches(@"^HTTP/1\.1 (400|404) ", reply);
    }

    [Fact]
    public async Task The_page_script_and_style_are_served_from_the_assembly()
    {
        string page = await http.GetStringAsync("/");
        Assert.Contains("<script src=\"explore.js\"></script>", page);
        Assert.DoesNotContain("http://", page.Replace("http://www.w3.org", ""));   // no CDN, nothing from outside
        Assert.Contains("async function main()", await http.GetStringAsync("/explore.js"));
        using var css = await http.GetAsync("/explore.css");
        Assert.Equal("text/css", css.Content.Headers.ContentType!.MediaType);
    }
}
