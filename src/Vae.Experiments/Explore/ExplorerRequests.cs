using System.Text.Json;

namespace Vae.Experiments.Explore;

/// <summary>A request the explorer refuses: the one line it answers with (HTTP 400, <c>{"error": ...}</c>).</summary>
internal sealed class BadRequestException(string message) : Exception(message);

/// <summary>
/// Reading and checking the explorer's requests. Bodies are read up to <see cref="MaxBodyBytes"/> and parsed as JSON by
/// hand, so every problem (size, syntax, a missing field, a wrong length, NaN, a huge value, a bad seed, a count over
/// the cap) is one line that says what is wrong and what is allowed.
/// </summary>
internal static class ExplorerRequests
{
    /// <summary>Largest request body read: 64 latent vectors of 200 values as JSON take about 60 KB.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>Largest seed: integers above 2^53 do not survive a JavaScript number.</summary>
    public const long MaxSeed = (1L << 53) - 1;

    /// <summary>The body as JSON, read within <see cref="MaxBodyBytes"/>.</summary>
    public static async Task<JsonDocument> ReadJson(Stream body, long? contentLength, CancellationToken ct)
    {
        if (contentLength > MaxBodyBytes) throw new BadRequestException($"the request body is {contentLength:N0} bytes; at most {MaxBodyBytes:N0} are read");
        var buffer = new byte[MaxBodyBytes + 1];
        int total = 0, n;
        while (total < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(total), ct)) > 0) total += n;
        if (total > MaxBodyBytes) throw new BadRequestException($"the request body is over {MaxBodyBytes:N0} bytes; at most {MaxBodyBytes:N0} are read");
        try { return JsonDocument.Parse(buffer.AsMemory(0, total), new JsonDocumentOptions { MaxDepth = 8 }); }
        catch (JsonException e) { throw new BadRequestException($"the request body is not JSON ({e.Message.Split('\n')[0]})"); }
    }

    /// <summary>{"z": [[D numbers], ...]} with 1 to <see cref="ExplorerSession.MaxBatch"/> vectors, each finite and within ±<see cref="ExplorerSession.MaxAbs"/>.</summary>
    public static List<double[]> LatentVectors(JsonDocument body, int latentDim)
    {
        var root = Object(body);
        if (!root.TryGetProperty("z", out var z) || z.ValueKind != JsonValueKind.Array)
            throw new BadRequestException($"\"z\" must be a list of latent vectors, each a list of {latentDim} numbers");
        int count = z.GetArrayLength();
        if (count is < 1 or > ExplorerSession.MaxBatch) throw new BadRequestException($"\"z\" holds {count} vectors; send 1 to {ExplorerSession.MaxBatch}");
        var vectors = new List<double[]>(count);
        foreach (var (v, i) in z.EnumerateArray().Select((v, i) => (v, i)))
        {
            if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != latentDim)
                throw new BadRequestException($"z[{i}] must be a list of {latentDim} numbers (this model's latent dimension), got {Describe(v)}");
            var values = new double[latentDim];
            int j = 0;
            foreach (var x in v.EnumerateArray())
            {
                if (x.ValueKind != JsonValueKind.Number || !x.TryGetDouble(out double d) || !double.IsFinite(d))
                    throw new BadRequestException($"z[{i}][{j}] must be a finite number, got {Describe(x)}");
                if (Math.Abs(d) > ExplorerSession.MaxAbs)
                    throw new BadRequestException($"z[{i}][{j}] is {d:G4}; values must lie within ±{ExplorerSession.MaxAbs} (the prior is N(0, I))");
                values[j++] = d;
            }
            vectors.Add(values);
        }
        return vectors;
    }

    /// <summary>{"seed": integer 0 … 2^53 − 1, "count": 1 … <see cref="ExplorerSession.MaxBatch"/>}.</summary>
    public static (long Seed, int Count) Sample(JsonDocument body)
    {
        var root = Object(body);
        if (!root.TryGetProperty("seed", out var s) || s.ValueKind != JsonValueKind.Number || !s.TryGetInt64(out long seed) || seed is < 0 or > MaxSeed)
            throw new BadRequestException($"\"seed\" must be an integer from 0 to {MaxSeed:N0}, got {(root.TryGetProperty("seed", out var given) ? Describe(given) : "nothing")}");
        if (!root.TryGetProperty("count", out var c) || c.ValueKind != JsonValueKind.Number || !c.TryGetInt32(out int count) || count is < 1 or > ExplorerSession.MaxBatch)
            throw new BadRequestException($"\"count\" must be an integer from 1 to {ExplorerSession.MaxBatch}, got {(root.TryGetProperty("count", out var n) ? Describe(n) : "nothing")}");
        return (seed, count);
    }

    /// <summary>The query's index of a test image, 0 … count − 1.</summary>
    public static int Index(string? text, int count)
    {
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i) || i >= count)
            throw new BadRequestException($"index must be an integer from 0 to {count - 1}, got '{Truncate(text ?? "")}'");
        return i;
    }

    static JsonElement Object(JsonDocument body) => body.RootElement.ValueKind == JsonValueKind.Object
        ? body.RootElement
        : throw new BadRequestException($"the request body must be a JSON object, got {Describe(body.RootElement)}");

    static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => $"a list of {e.GetArrayLength()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => $"the string \"{Truncate(e.GetString() ?? "")}\"",
        JsonValueKind.Number => Truncate(e.GetRawText()),
        _ => e.ValueKind.ToString().ToLowerInvariant(),
    };

    /// <summary>At most <paramref name="max"/> characters of <paramref name="s"/> for a message, "…" marking a cut.</summary>
    internal static string Truncate(string s, int max = 40) => s.Length <= max ? s : s[..max] + "…";
}
