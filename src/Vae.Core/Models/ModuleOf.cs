using TorchSharp;
using TorchSharp.Modules;
using Vae.Core.Config;
using static TorchSharp.torch;

namespace Vae.Core.Models;

/// <summary>TorchSharp modules for the layers of a <see cref="LayerPlan"/>: the plan says what, this says how.</summary>
internal static class ModuleOf
{
    /// <summary>The dense layer called <paramref name="name"/> in <paramref name="plan"/>.</summary>
    public static Linear Dense(IReadOnlyList<PlannedLayer> plan, string name)
    {
        var layer = plan.Single(l => l.Name == name);
        if (layer.Kind != LayerKind.Linear) throw new InvalidOperationException($"{name} is a {layer.Kind} in the plan, not a Linear");
        return nn.Linear(layer.In, layer.Out);
    }

    /// <summary>A convolution or transposed convolution as planned.</summary>
    public static nn.Module<Tensor, Tensor> Conv(PlannedLayer layer) => layer.Kind switch
    {
        LayerKind.Conv2d => nn.Conv2d(layer.In, layer.Out, kernel_size: layer.Kernel, stride: layer.Stride, padding: layer.Padding),
        LayerKind.ConvTranspose2d => nn.ConvTranspose2d(layer.In, layer.Out, kernel_size: layer.Kernel, stride: layer.Stride, padding: layer.Padding),
        _ => throw new InvalidOperationException($"{layer.Name} is a {layer.Kind}, not a convolution"),
    };
}
