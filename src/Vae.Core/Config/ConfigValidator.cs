namespace Vae.Core.Config;

/// <summary>
/// The one place where configurations are checked. Each failure is an <see cref="ArgumentException"/>
/// whose <see cref="ArgumentException.ParamName"/> is the field and whose message gives the valid range.
/// </summary>
public static class ConfigValidator
{
    /// <summary>Checks a model configuration; returns it unchanged when valid.</summary>
    /// <exception cref="ArgumentException">A field is out of range.</exception>
    public static ModelConfig Validate(ModelConfig c)
    {
        InRange(nameof(c.Channels), c.Channels, 1, 16);
        InRange(nameof(c.Height), c.Height, 4, 1024);
        InRange(nameof(c.Width), c.Width, 4, 1024);
        InRange(nameof(c.LatentDim), c.LatentDim, 1, 4096);
        InRange(nameof(c.HiddenDim), c.HiddenDim, 1, 65536);
        InRange(nameof(c.ExtraConvsPerLevel), c.ExtraConvsPerLevel, 0, 8);
        Defined(nameof(c.Architecture), c.Architecture);
        Defined(nameof(c.Likelihood), c.Likelihood);
        Positive(nameof(c.GaussianStd), c.GaussianStd);
        Positive(nameof(c.MlpInitStd), c.MlpInitStd);
        if (!(c.DecoderDropout >= 0 && c.DecoderDropout < 1))
            throw new ArgumentException($"DecoderDropout must be in [0, 1), got {c.DecoderDropout}", nameof(c.DecoderDropout));
        if (c.ConvChannels is null) throw new ArgumentException("ConvChannels must be a list (empty for Mlp)", nameof(c.ConvChannels));
        if (c.Architecture == Architecture.Conv)
        {
            if (c.ConvChannels.Count is < 1 or > 6)
                throw new ArgumentException($"ConvChannels must have 1 to 6 entries for Architecture Conv, got {c.ConvChannels.Count}", nameof(c.ConvChannels));
            foreach (int ch in c.ConvChannels)
                if (ch is < 1 or > 4096) throw new ArgumentException($"ConvChannels entries must be in [1, 4096], got {ch}", nameof(c.ConvChannels));
            int factor = 1 << c.ConvChannels.Count;
            if (c.Height % factor != 0 || c.Width % factor != 0)
                throw new ArgumentException($"Height and Width must be divisible by 2^{c.ConvChannels.Count} = {factor} for {c.ConvChannels.Count} stride-2 convolutions, got {c.Height}x{c.Width}", nameof(c.ConvChannels));
        }
        long parameters = LayerPlan.ParameterCount(c);
        if (parameters > MaxParameters)
            throw new ArgumentException($"the model would have {parameters:N0} parameters, more than the {MaxParameters:N0} allowed " +
                $"({4 * parameters / 1e9:F1} GB of weights before optimizer state); use smaller HiddenDim, ConvChannels or input size", nameof(c.HiddenDim));
        return c;
    }

    /// <summary>
    /// The largest model a config may describe: 100 million parameters (400 MB of float32 weights, about 1.2 GB with
    /// Adam's two moment buffers). Checked before any weight is allocated, so a config read from a file cannot ask for gigabytes.
    /// </summary>
    public const long MaxParameters = 100_000_000;

    /// <summary>Checks a training configuration; returns it unchanged when valid.</summary>
    /// <exception cref="ArgumentException">A field is out of range.</exception>
    public static TrainingConfig Validate(TrainingConfig c)
    {
        InRange(nameof(c.Epochs), c.Epochs, 1, 100_000);
        InRange(nameof(c.BatchSize), c.BatchSize, 1, 65_536);
        InRange(nameof(c.WarmupSteps), c.WarmupSteps, 0, 10_000_000);
        InRange(nameof(c.KlWarmupEpochs), c.KlWarmupEpochs, 0, 100_000);
        Defined(nameof(c.Optimizer), c.Optimizer);
        Defined(nameof(c.Binarization), c.Binarization);
        Defined(nameof(c.Schedule), c.Schedule);
        if (!(c.LearningRate > 0 && c.LearningRate <= 10)) throw new ArgumentException($"LearningRate must be in (0, 10], got {c.LearningRate}", nameof(c.LearningRate));
        if (!(c.Beta1 >= 0 && c.Beta1 < 1)) throw new ArgumentException($"Beta1 must be in [0, 1), got {c.Beta1}", nameof(c.Beta1));
        if (!(c.Beta2 >= 0 && c.Beta2 < 1)) throw new ArgumentException($"Beta2 must be in [0, 1), got {c.Beta2}", nameof(c.Beta2));
        if (!(c.WeightDecay >= 0 && c.WeightDecay <= 1)) throw new ArgumentException($"WeightDecay must be in [0, 1], got {c.WeightDecay}", nameof(c.WeightDecay));
        if (!(c.EmaDecay >= 0 && c.EmaDecay < 1)) throw new ArgumentException($"EmaDecay must be in [0, 1), got {c.EmaDecay}", nameof(c.EmaDecay));
        if (string.IsNullOrWhiteSpace(c.Dataset)) throw new ArgumentException("Dataset must be a dataset name such as mnist", nameof(c.Dataset));
        if (c.ExampleBudget is < 1) throw new ArgumentException($"ExampleBudget must be ≥ 1 or null, got {c.ExampleBudget}", nameof(c.ExampleBudget));
        if (c.Seed < 0) throw new ArgumentException($"Seed must be ≥ 0, got {c.Seed}", nameof(c.Seed));
        return c;
    }

    /// <summary>Checks a placement; returns it unchanged when valid.</summary>
    /// <exception cref="ArgumentException">A field is out of range.</exception>
    public static Placement Validate(Placement p)
    {
        if (p.Device is not ("auto" or "cpu" or "cuda")) throw new ArgumentException($"Device must be one of auto, cpu, cuda, got '{p.Device}'", nameof(p.Device));
        InRange(nameof(p.EvalEvery), p.EvalEvery, 1, 100_000);
        return p;
    }

    static void InRange(string field, int value, int min, int max)
    {
        if (value < min || value > max) throw new ArgumentException($"{field} must be in [{min}, {max}], got {value}", field);
    }

    static void Positive(string field, double value)
    {
        if (!(value > 0 && double.IsFinite(value))) throw new ArgumentException($"{field} must be a finite number > 0, got {value}", field);
    }

    static void Defined<T>(string field, T value) where T : struct, Enum
    {
        if (!Enum.IsDefined(value)) throw new ArgumentException($"{field} must be one of {string.Join(", ", Enum.GetNames<T>())}, got {value}", field);
    }
}
