using TorchSharp;
using TorchSharp.PyBridge;
using Vae.Core.Checkpoints;
using Vae.Core.Training;
using Xunit;

namespace Vae.Tests.Unit.Core;

/// <summary>
/// The device-safe safetensors writer and reader agree with an independent implementation (TorchSharp.PyBridge's, which
/// wrote every checkpoint before), in both directions, and the writer's layout is the format's.
/// </summary>
public sealed class SafetensorsFileTests
{
    [Fact]
    public void What_the_writer_writes_loads_with_PyBridge_into_the_same_weights()
    {
        using var dir = new TempDir();
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 7, torch.CPU);
        string path = dir.File("w.safetensors");
        SafetensorsFile.Write(path, model);
        using var other = Trainer.CreateModel(Synthetic.SmallConv, 8, torch.CPU);
        Assert.NotEqual(Synthetic.Weights(model), Synthetic.Weights(other));
        other.load_safetensors(path, strict: true);
        Assert.Equal(Synthetic.Weights(model), Synthetic.Weights(other));
    }

    [Fact]
    public void What_PyBridge_writes_the_reader_loads_into_the_same_weights()
    {
        using var dir = new TempDir();
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 7, torch.CPU);
        string path = dir.File("w.safetensors");
        model.save_safetensors(path);
        using var other = Trainer.CreateModel(Synthetic.SmallConv, 8, torch.CPU);
        SafetensorsCheck.Validate(path, dir.Path, other);
        SafetensorsFile.Read(path, other);
        Assert.Equal(Synthetic.Weights(model), Synthetic.Weights(other));
    }

    [Fact]
    public void The_header_is_padded_to_eight_bytes_and_the_data_section_holds_every_parameter_as_float32()
    {
        using var dir = new TempDir();
        using var model = Trainer.CreateModel(Synthetic.SmallConv, 7, torch.CPU);
        string path = dir.File("w.safetensors");
        SafetensorsFile.Write(path, model);
        var bytes = File.ReadAllBytes(path);
        long header = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, header % 8);
        Assert.Equal(8 + header + 4 * model.ParameterCount, bytes.Length);   // float32: 4 bytes a parameter
        // The first parameter's first value, read straight from the data section.
        float first = model.parameters().First().detach().flatten()[0].item<float>();
        Assert.Equal(first, BitConverter.ToSingle(bytes, (int)(8 + header)));
    }
}
