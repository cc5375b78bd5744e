namespace Vae.Core.Config;

/// <summary>Encoder/decoder family.</summary>
public enum Architecture
{
    /// <summary>Strided convolutions + one hidden layer, mirrored by transposed convolutions (the seed's design).</summary>
    Conv,
    /// <summary>One tanh hidden layer in encoder and decoder (Kingma and Welling 2013, App. C).</summary>
    Mlp,
}

/// <summary>Observation model p(x | z).</summary>
public enum Likelihood
{
    /// <summary>Independent Bernoulli per pixel on intensities in [0, 1]; the decoder returns logits.</summary>
    Bernoulli,
    /// <summary>Independent Gaussian per pixel with fixed standard deviation; the decoder returns the mean.</summary>
    Gaussian,
    /// <summary>Independent Gaussian per pixel with a learned log-variance per pixel.</summary>
    GaussianLearnedVariance,
}

/// <summary>
/// The model: input shape C×H×W, latent size, architecture and likelihood. Immutable; build
/// variants with <c>with</c> and check them with <see cref="ConfigValidator.Validate(ModelConfig)"/>.
/// Defaults are the convolutional MNIST model with a 2-D latent.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Input channels (1 for MNIST, 3 for SVHN).</summary>
    public int Channels { get; init; } = 1;

    /// <summary>Input height in pixels.</summary>
    public int Height { get; init; } = 28;

    /// <summary>Input width in pixels.</summary>
    public int Width { get; init; } = 28;

    /// <summary>Latent dimension D.</summary>
    public int LatentDim { get; init; } = 2;

    /// <summary>Encoder/decoder family.</summary>
    public Architecture Architecture { get; init; } = Architecture.Conv;

    /// <summary>Output channels of each stride-2 convolution (Conv only); each halves H and W.</summary>
    /// <remarks>Held as a copy that compares by value, so two configs with the same channels are equal.</remarks>
    public IReadOnlyList<int> ConvChannels { get => convChannels; init => convChannels = value is null ? null! : new ValueList<int>(value); }

    // A private copy: a caller's array changed after construction cannot change the config (validated: null is rejected).
    readonly IReadOnlyList<int> convChannels = new ValueList<int>([32, 64]);

    /// <summary>
    /// Extra 3×3 stride-1 convolutions (with ReLU) at each resolution level of the Conv model: after each strided
    /// convolution in the encoder and before each transposed convolution in the decoder, mirrored. 0 is the seed's
    /// shallow design; 1 deepens both networks at little parameter cost.
    /// </summary>
    public int ExtraConvsPerLevel { get; init; }

    /// <summary>
    /// Units of the fully connected hidden layer: 512 by default; every committed 28×28 Conv model uses 256 (the experiment
    /// table's choice, which keeps a checkpoint under 10 MB), the 32×32 RGB model 1024 and the paper's MLP 500.
    /// </summary>
    public int HiddenDim { get; init; } = 512;

    /// <summary>
    /// Dropout rate p in [0, 1) on the decoder's hidden layer, while training only: each hidden unit is zeroed with
    /// probability p and the others are scaled by 1/(1 − p) (inverted dropout, Srivastava et al. 2014), with masks drawn
    /// from the forward pass's generator. Evaluation, generation and <see cref="Models.VariationalAutoencoder.Decode"/>
    /// use the full decoder. 0 (the default) is no dropout; a regulariser against the train/test gap of long runs.
    /// </summary>
    public double DecoderDropout { get; init; }

    /// <summary>Observation model.</summary>
    public Likelihood Likelihood { get; init; } = Likelihood.Bernoulli;

    /// <summary>Standard deviation of the fixed-variance Gaussian likelihood.</summary>
    public double GaussianStd { get; init; } = 0.1;

    /// <summary>
    /// Standard deviation of the N(0, σ²) weight initialisation of the MLP (0.01 in the paper, App. C);
    /// the Conv model uses PyTorch's default U(±1/√fan_in).
    /// </summary>
    public double MlpInitStd { get; init; } = 0.01;

    /// <summary>The paper's MNIST model (Kingma and Welling 2013, §5, App. C): 500 tanh hidden units, Bernoulli decoder.</summary>
    public static ModelConfig PaperMlp(int latentDim) =>
        new() { Architecture = Architecture.Mlp, HiddenDim = 500, LatentDim = latentDim, ConvChannels = [] };

    /// <summary>The seed's convolutional model for 3×32×32 inputs (SVHN): channels 32, 64, 128, hidden 1024.</summary>
    public static ModelConfig ConvRgb32(int latentDim) =>
        new() { Channels = 3, Height = 32, Width = 32, ConvChannels = [32, 64, 128], HiddenDim = 1024, LatentDim = latentDim };
}
