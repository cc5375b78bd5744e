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

    public static Option<int> Int(string name, string description, int defaultValue, int min = 1) =>
        Range(new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue }, min);

    public static Option<string> Checkpoint() => new("--checkpoint")
    {
        Description = "Checkpoint folder (holding model.safetensors and trainer.json).",
        Required = true,
    };

    public static Option<string> Out(string description, bool required = true) => new("--out") { Description = description, Required = required };

    public static Argument<string> Dataset() => new Argument<string>("dataset")
    {
        Description = "mnist, fashion-mnist or svhn.",
    }.AcceptOnlyFromAmong("mnist", "fashion-mnist", "svhn");

    public static DataOptions Data(string? dataDir) => new(DataDir: dataDir);

    /// <summary>The command-line option behind each config field that a command sets from an option.</summary>
    static readonly Dictionary<string, string> OptionOfField = new()
    {
        ["LatentDim"] = "--latent", ["HiddenDim"] = "--hidden", ["ExtraConvsPerLevel"] = "--extra-convs", ["ConvChannels"] = "--channels",
        ["Epochs"] = "--epochs", ["LearningRate"] = "--lr", ["Seed"] = "--seed", ["WarmupSteps"] = "--warmup-steps",
        ["KlWarmupEpochs"] = "--kl-warmup-epochs", ["WeightDecay"] = "--weight-decay", ["Device"] = "--device",
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

    static Option<int> Range(Option<int> o, int min)
    {
        o.Validators.Add(r => { if (TryGet(r, out int v) && v < min) r.AddError($"{o.Name} must be ≥ {min}, got {v}"); });
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
