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

    static Option<long> Positive(Option<long> o)
    {
        o.Validators.Add(r => { if (r.GetValueOrDefault<long>() < 0) r.AddError($"{o.Name} must be ≥ 0"); });
        return o;
    }

    static Option<int> Range(Option<int> o, int min)
    {
        o.Validators.Add(r => { if (r.GetValueOrDefault<int>() < min) r.AddError($"{o.Name} must be ≥ {min}, got {r.GetValueOrDefault<int>()}"); });
        return o;
    }
}
