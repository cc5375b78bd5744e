namespace Vae.Core.Config;

/// <summary>What a planned layer computes.</summary>
public enum LayerKind
{
    /// <summary>A dense layer: In → Out features.</summary>
    Linear,
    /// <summary>A 2-D convolution.</summary>
    Conv2d,
    /// <summary>A 2-D transposed convolution.</summary>
    ConvTranspose2d,
}

/// <summary>One weight layer of a model, as <see cref="LayerPlan.Of"/> describes it: kind, sizes, kernel, stride and spatial size.</summary>
/// <param name="Name">The parameter-name prefix of its weights, e.g. <c>encoder.convs.0</c> (the weight is <c>Name.weight</c>).</param>
/// <param name="Kind">What it computes.</param>
/// <param name="In">Input features (Linear) or channels (convolutions).</param>
/// <param name="Out">Output features or channels.</param>
/// <param name="Kernel">Square kernel size (1 for Linear).</param>
/// <param name="Stride">Stride (1 for Linear).</param>
/// <param name="Padding">Zero padding on each side (0 for Linear).</param>
/// <param name="InHeight">Input height (1 for Linear).</param>
/// <param name="InWidth">Input width (1 for Linear).</param>
public sealed record PlannedLayer(string Name, LayerKind Kind, long In, long Out, int Kernel = 1, int Stride = 1, int Padding = 0,
    long InHeight = 1, long InWidth = 1)
{
    /// <summary>Output height: (H + 2p − k)/s + 1 for a convolution, (H − 1)·s − 2p + k for a transposed one, 1 for Linear.</summary>
    public long OutHeight => Spatial(InHeight);

    /// <summary>Output width, as <see cref="OutHeight"/>.</summary>
    public long OutWidth => Spatial(InWidth);

    /// <summary>Weights and biases: In·Out + Out for Linear, k²·In·Out + Out for a convolution of either kind.</summary>
    public long Parameters => (long)Kernel * Kernel * In * Out + Out;

    /// <summary>
    /// Forward multiply-accumulates per example: In·Out (Linear), Out·In·k²·H_out·W_out (Conv2d), In·Out·k²·H_in·W_in
    /// (ConvTranspose2d: every input pixel scatters a k×k patch to every output channel).
    /// </summary>
    public long Macs => Kind switch
    {
        LayerKind.Conv2d => Out * In * Kernel * Kernel * OutHeight * OutWidth,
        LayerKind.ConvTranspose2d => In * Out * Kernel * Kernel * InHeight * InWidth,
        _ => In * Out,
    };

    long Spatial(long size) => Kind switch
    {
        LayerKind.Conv2d => (size + 2 * Padding - Kernel) / Stride + 1,
        LayerKind.ConvTranspose2d => (size - 1) * Stride - 2 * Padding + Kernel,
        _ => 1,
    };
}

/// <summary>
/// The one description of the network a <see cref="ModelConfig"/> asks for, as a pure list of layers in execution order:
/// the encoder and decoder modules are built from it, and the parameter count (<see cref="ParameterCount"/>, which
/// <see cref="ConfigValidator"/> bounds before any weight exists) and the FLOP count (<c>vae bench</c>) are sums over it.
/// </summary>
public static class LayerPlan
{
    /// <summary>Every weight layer of the model of <paramref name="c"/> (a validated config), encoder first, in execution order.</summary>
    public static IReadOnlyList<PlannedLayer> Of(ModelConfig c) => [.. Encoder(c), .. Decoder(c)];

    /// <summary>
    /// The encoder's layers. Conv: per level a 4×4 stride-2 convolution (halves H and W) and <see cref="ModelConfig.ExtraConvsPerLevel"/>
    /// 3×3 stride-1 convolutions, then the hidden layer and the μ and log σ² heads. Mlp (Kingma and Welling 2013, App. C.2):
    /// the hidden layer and the heads.
    /// </summary>
    public static IReadOnlyList<PlannedLayer> Encoder(ModelConfig c)
    {
        var layers = new List<PlannedLayer>();
        long features = (long)c.Channels * c.Height * c.Width;
        if (c.Architecture == Architecture.Conv)
        {
            long channels = c.Channels, h = c.Height, w = c.Width;
            foreach (int outChannels in c.ConvChannels)
            {
                var strided = new PlannedLayer($"encoder.convs.{layers.Count}", LayerKind.Conv2d, channels, outChannels, 4, 2, 1, h, w);
                layers.Add(strided);
                (channels, h, w) = (outChannels, strided.OutHeight, strided.OutWidth);
                for (int k = 0; k < c.ExtraConvsPerLevel; k++)
                    layers.Add(new($"encoder.convs.{layers.Count}", LayerKind.Conv2d, channels, channels, 3, 1, 1, h, w));
            }
            features = channels * h * w;
        }
        layers.Add(new("encoder.hidden", LayerKind.Linear, features, c.HiddenDim));
        layers.Add(new("encoder.mu", LayerKind.Linear, c.HiddenDim, c.LatentDim));
        layers.Add(new("encoder.logvar", LayerKind.Linear, c.HiddenDim, c.LatentDim));
        return layers;
    }

    /// <summary>
    /// The decoder's layers, the encoder's mirror. Conv: the hidden layer, a projection to the smallest feature map, then per
    /// level (deepest first) <see cref="ModelConfig.ExtraConvsPerLevel"/> 3×3 convolutions and a 4×4 stride-2 transposed
    /// convolution (doubles H and W). Mlp (App. C.1): the hidden layer and the output layer.
    /// </summary>
    public static IReadOnlyList<PlannedLayer> Decoder(ModelConfig c)
    {
        long pixels = (long)c.Channels * c.Height * c.Width;
        var layers = new List<PlannedLayer> { new("decoder.hidden", LayerKind.Linear, c.LatentDim, c.HiddenDim) };
        if (c.Architecture != Architecture.Conv)
        {
            layers.Add(new("decoder.output", LayerKind.Linear, c.HiddenDim, pixels));
            return layers;
        }
        int levels = c.ConvChannels.Count;
        long h = c.Height >> levels, w = c.Width >> levels;
        layers.Add(new("decoder.project", LayerKind.Linear, c.HiddenDim, c.ConvChannels[^1] * h * w));
        for (int i = levels - 1, j = 0; i >= 0; i--, j++)
        {
            long channels = c.ConvChannels[i], outChannels = i == 0 ? c.Channels : c.ConvChannels[i - 1];
            for (int k = 0; k < c.ExtraConvsPerLevel; k++)
                layers.Add(new($"decoder.refines.{j * c.ExtraConvsPerLevel + k}", LayerKind.Conv2d, channels, channels, 3, 1, 1, h, w));
            var deconv = new PlannedLayer($"decoder.deconvs.{j}", LayerKind.ConvTranspose2d, channels, outChannels, 4, 2, 1, h, w);
            layers.Add(deconv);
            (h, w) = (deconv.OutHeight, deconv.OutWidth);
        }
        return layers;
    }

    /// <summary>Parameters of the model of <paramref name="c"/>: the plan's weights and biases, plus the learned observation log-variance [C, H, W] when there is one.</summary>
    public static long ParameterCount(ModelConfig c) =>
        Of(c).Sum(l => l.Parameters) + (c.Likelihood == Likelihood.GaussianLearnedVariance ? (long)c.Channels * c.Height * c.Width : 0);

    /// <summary>Forward multiply-accumulates per example: the sum of the plan's <see cref="PlannedLayer.Macs"/> (element-wise work left out).</summary>
    public static long ForwardMacs(ModelConfig c) => Of(c).Sum(l => l.Macs);
}
