using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vae.Core.Config;

/// <summary>
/// JSON for configs: camelCase keys, enums as lowercase strings, unknown keys rejected (a typo is an error,
/// not a silently ignored setting), and text written as it reads ("±", "+", "'" unescaped: these files are
/// read by people and parsers, never embedded in HTML). Deserialised configs are validated.
/// </summary>
public static class ConfigJson
{
    /// <summary>The serializer options used for every config and results file (read-only once first used; copy it to change a setting).</summary>
    public static JsonSerializerOptions Options { get; } = Create(withLegacyTraining: true);

    /// <summary>The same options without the reader of older training configs (what that reader itself deserialises with).</summary>
    static readonly JsonSerializerOptions Plain = Create(withLegacyTraining: false);

    static JsonSerializerOptions Create(bool withLegacyTraining)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            WriteIndented = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        if (withLegacyTraining) options.Converters.Add(new LegacyTrainingConfigReader());
        return options;
    }

    /// <summary>
    /// Reads training configs written before the protocol and its <see cref="Placement"/> were two records: their
    /// "device", "evalEvery" and "checkpointDir" are where a run was placed, not what it was, and are dropped (every
    /// committed trainer.json, config.json and metrics.json has them). Writes the protocol as it is.
    /// </summary>
    sealed class LegacyTrainingConfigReader : JsonConverter<TrainingConfig>
    {
        static readonly string[] PlacementKeys = ["device", "evalEvery", "checkpointDir"];

        public override TrainingConfig? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(ref reader);
            if (node is System.Text.Json.Nodes.JsonObject o)
                foreach (string key in PlacementKeys) o.Remove(key);
            return node.Deserialize<TrainingConfig>(Plain);
        }

        public override void Write(Utf8JsonWriter writer, TrainingConfig value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, Plain);
    }

    /// <summary>Serialises a config (or any record) as the run folders store it: camelCase, lowercase enums, indented.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Parses a model config; throws <see cref="ArgumentException"/> on unknown keys, bad values or invalid ranges.</summary>
    public static ModelConfig ParseModel(string json) => ConfigValidator.Validate(Parse<ModelConfig>(json));

    /// <summary>Parses a training config; throws <see cref="ArgumentException"/> on unknown keys, bad values or invalid ranges.</summary>
    public static TrainingConfig ParseTraining(string json) => ConfigValidator.Validate(Parse<TrainingConfig>(json));

    /// <summary>Parses any record with <see cref="Options"/>, turning JSON errors into <see cref="ArgumentException"/>.</summary>
    internal static T Parse<T>(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new ArgumentException($"{typeof(T).Name}: JSON is null");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The fields in which two configs differ, as "name: a vs b" joined by "; " (JSON names and values), or "" when
    /// they serialise alike: what an error about a mismatched checkpoint should name.
    /// </summary>
    internal static string Differences<T>(T a, T b, string aLabel, string bLabel)
    {
        var left = JsonSerializer.SerializeToElement(a, Options);
        var right = JsonSerializer.SerializeToElement(b, Options);
        var diffs = left.EnumerateObject()
            .Where(p => !right.TryGetProperty(p.Name, out var other) || other.GetRawText() != p.Value.GetRawText())
            .Select(p => $"{p.Name}: {p.Value.GetRawText()} {aLabel}, {(right.TryGetProperty(p.Name, out var o) ? o.GetRawText() : "absent")} {bLabel}");
        return string.Join("; ", diffs);
    }
}
