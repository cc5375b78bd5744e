using TorchSharp;
using static TorchSharp.torch;

namespace Vae.Data;

/// <summary>
/// Images and labels of one split, held as tensors. Owns its tensors: dispose it when done.
/// </summary>
public sealed class ImageDataset : IDisposable
{
    /// <summary>Wraps tensors; checks their shapes and types agree with <paramref name="info"/>.</summary>
    /// <param name="images">float32 [N, C, H, W] with values in [0, 1].</param>
    /// <param name="labels">int64 [N] with class indices.</param>
    /// <param name="info">Metadata.</param>
    public ImageDataset(Tensor images, Tensor labels, DatasetInfo info)
    {
        long[] expected = [info.Count, info.Channels, info.Height, info.Width];
        if (!images.shape.SequenceEqual(expected) || images.dtype != ScalarType.Float32)
            throw new ArgumentException($"images must be float32 [{string.Join(", ", expected)}], got {images.dtype} [{string.Join(", ", images.shape)}]", nameof(images));
        if (labels.shape.Length != 1 || labels.shape[0] != info.Count || labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"labels must be int64 [{info.Count}], got {labels.dtype} [{string.Join(", ", labels.shape)}]", nameof(labels));
        Images = images;
        Labels = labels;
        Info = info;
    }

    /// <summary>float32 [N, C, H, W] in [0, 1].</summary>
    public Tensor Images { get; }

    /// <summary>int64 [N] class indices.</summary>
    public Tensor Labels { get; }

    /// <summary>Metadata.</summary>
    public DatasetInfo Info { get; }

    /// <summary>Number of images.</summary>
    public int Count => Info.Count;

    /// <summary>Builds a dataset from raw bytes: pixels in [N, C, H, W] order (0..255) and labels.</summary>
    public static ImageDataset FromBytes(byte[] pixels, long[] labels, DatasetInfo info)
    {
        using var raw = torch.tensor(pixels, [info.Count, info.Channels, info.Height, info.Width]); // uint8 [N, C, H, W]
        var images = raw.to_type(ScalarType.Float32).div_(255f);
        var labelTensor = torch.tensor(labels, [labels.Length]);
        return new ImageDataset(images, labelTensor, info);
    }

    /// <summary>The first <paramref name="count"/> examples as a new dataset (copies; this one stays valid).</summary>
    public ImageDataset Take(int count)
    {
        if (count <= 0 || count > Count) throw new ArgumentOutOfRangeException(nameof(count), $"count must be in 1..{Count}, got {count}");
        return new ImageDataset(Images[..count].clone(), Labels[..count].clone(), Info with { Count = count });
    }

    /// <summary>
    /// This dataset's images as the trainer's input, with <paramref name="test"/>'s images to evaluate on after epochs when
    /// given; the datasets keep ownership of their tensors.
    /// </summary>
    public Vae.Core.Training.TrainingData ToTrainingData(ImageDataset? test = null) => new(Images, test?.Images);

    /// <summary>Moves the tensors to <paramref name="device"/> (returns a new dataset; this one stays valid).</summary>
    public ImageDataset To(Device device) => new(Images.to(device), Labels.to(device), Info);

    /// <summary>Releases the native tensors.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
