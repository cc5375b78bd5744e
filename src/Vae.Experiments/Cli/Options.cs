using System.CommandLine;
using Vae.Data.Acquisition;

namespace Vae.Experiments.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class Options
{
    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "Data folder (default: $VAE_DATA_DIR, else $XDG_CACHE_HOME/vae/datasets). Missing files are fetched into it.",
    };

    public static Option<string> Device() => new Option<string>("--device")
    {
        Description = "auto (CUDA when available), cpu or cuda.",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong("auto", "cpu", "cuda");

    public static Option<long> Seed(string description = "Random seed.") => Positive(new Option<long>("--seed") { Description = description, DefaultValueFactory = _ => 1 });

    public static Option<int> Int(string name, string description, int defaultValue, int min = 1, int max = int.MaxValue) =>
        Range(new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue }, min, max);

    /// <summary>
    /// An enum option shown and parsed in lowercase (conv|mlp), as JSON and README spell the values. The default must be
    /// the enum's zero value: it is what an absent option gives, and help shows it in lowercase.
    /// </summary>
    public static Option<T> Choice<T>(string name, string description, T defaultValue) where T : struct, Enum
    {
        if (!EqualityComparer<T>.Default.Equals(defaultValue, default)) throw new InvalidOperationException($"{name}: the default must be {default(T)}");
        var names = Enum.GetNames<T>().Select(n => n.ToLowerInvariant()).ToArray();
        var o = new Option<T>(name)
        {
            Description = $"{description} [default: {defaultValue.ToString().ToLowerInvariant()}]",
            HelpName = string.Join("|", names),
            CustomParser = r =>
            {
                if (r.Tokens.Count == 0) return defaultValue;
                string text = r.Tokens[^1].Value;
                if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !text.Any(char.IsDigit)) return value;
                r.AddError($"{name} must be one of {string.Join(", ", names)}, got '{text}'{ParseErrors.DidYouMean(text, names)}");
                return defaultValue;
            },
        };
        return o;
    }

    /// <summary>--limit N: an optional positive count of images.</summary>
    public static Option<int?> Limit(string description)
    {
        var o = new Option<int?>("--limit") { Description = description };
        o.Validators.Add(r => { if (TryGet(r, out int? v) && v is < 1) r.AddError($"--limit must be ≥ 1, got {v}"); });
        return o;
    }

    /// <summary>--iw-samples k: optional, 1 to 100,000.</summary>
    public static Option<int?> IwSamples()
    {
        var o = new Option<int?>("--iw-samples") { Description = "Also estimate log p(x) with k importance samples, 1 to 100,000 (e.g. 1000 or 5000)." };
        o.Validators.Add(r => { if (TryGet(r, out int? k) && k is < 1 or > 100_000) r.AddError($"--iw-samples must be in [1, 100,000], got {k}"); });
        return o;
    }

    /// <summary>An output PNG file: the name must end in .png (the file written is always a PNG).</summary>
    public static Option<string> PngOut()
    {
        var o = Out("PNG file to write.");
        o.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is string path && !path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                r.AddError($"--out must name a .png file (a PNG is what is written), got '{path}'");
        });
        return o;
    }

    public static Option<string> Checkpoint() => new("--checkpoint")
    {
        Description = "Checkpoint folder (holding model.safetensors and trainer.json), or a run folder holding checkpoint/ (train's --out, results/ENTRY).",
        Required = true,
    };

    /// <summary>
    /// The checkpoint folder <paramref name="given"/> names: the folder itself, or, for a run folder (train's --out, a
    /// results entry) that is no checkpoint but holds <c>checkpoint/</c>, that one, said on stderr.
    /// </summary>
    public static string CheckpointIn(string given)
    {
        string inner = Path.Combine(given, "checkpoint");
        if (Vae.Core.Checkpoints.CheckpointStatus.Of(given).IsComplete || !Directory.Exists(inner)) return given;
        Console.Error.WriteLine($"using the checkpoint in {inner}");
        return inner;
    }

    public static Option<string> Out(string description, bool required = true) => new("--out") { Description = description, Required = required };

    public static Argument<string> Dataset() => new Argument<string>("dataset")
    {
        Description = "mnist, fashion-mnist or svhn.",
    }.AcceptOnlyFromAmong("mnist", "fashion-mnist", "svhn");


    /// <summary>The command-line option behind each config field that a command sets from an option.</summary>
    static readonly Dictionary<string, string> OptionOfField = new()
    {
        ["LatentDim"] = "--latent", ["HiddenDim"] = "--hidden", ["ExtraConvsPerLevel"] = "--extra-convs", ["ConvChannels"] = "--channels",
        ["DecoderDropout"] = "--decoder-dropout",
        ["Epochs"] = "--epochs", ["LearningRate"] = "--lr", ["Seed"] = "--seed", ["WarmupSteps"] = "--warmup-steps",
        ["KlWarmupEpochs"] = "--kl-warmup-epochs", ["WeightDecay"] = "--weight-decay", ["EmaDecay"] = "--ema-decay", ["Device"] = "--device",
    };

    /// <summary>Runs a config validation; a failure is reported under the option's name ("--lr must be in (0, 10], got 0").</summary>
    public static T Checked<T>(Func<T> validate)
    {
        try
        {
            return validate();
        }
        catch (ArgumentException e) when (e.ParamName is string field && OptionOfField.TryGetValue(field, out string? option))
        {
            string message = e.Message.Replace($" (Parameter '{field}')", "");
            throw new ArgumentException(message.StartsWith(field, StringComparison.Ordinal) ? option + message[field.Length..] : $"{option}: {message}");
        }
    }

    static Option<long> Positive(Option<long> o)
    {
        o.Validators.Add(r => { if (TryGet(r, out long v) && v < 0) r.AddError($"{o.Name} must be ≥ 0, got {v}"); });
        return o;
    }

    static Option<int> Range(Option<int> o, int min, int max)
    {
        o.Validators.Add(r =>
        {
            if (!TryGet(r, out int v)) return;
            if (v < min) r.AddError($"{o.Name} must be ≥ {min}, got {v}");
            else if (v > max) r.AddError($"{o.Name} must be ≤ {max:N0}, got {v:N0}");
        });
        return o;
    }

    /// <summary>The option's value, or false when its text does not parse (the parser reports that itself).</summary>
    static bool TryGet<T>(System.CommandLine.Parsing.OptionResult r, out T value)
    {
        try
        {
            value = r.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }
}
