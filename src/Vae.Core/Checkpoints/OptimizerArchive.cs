using TorchSharp;
using TorchSharp.PyBridge;
using Vae.Core.Models;
using static TorchSharp.torch;

namespace Vae.Core.Checkpoints;

/// <summary>
/// optimizer.pt, a torch.save zip: a small pickle and one entry per buffer. Its central directory is checked before the
/// unpickler runs: the pickle may not be large (a crafted string in it cost gigabytes), and the buffers together may not
/// claim more than the model's moments could hold (two per parameter, plus slack), so a small file cannot ask for
/// gigabytes. After loading, every moment buffer must have its parameter's shape, or the first step would abort libtorch.
/// </summary>
internal static class OptimizerArchive
{
    /// <summary>
    /// Writes the optimizer's state as optimizer.pt (PyTorch's format). The state is moved to the CPU to be written and
    /// back to the model's device afterwards, since the writer reads tensor bytes, which TorchSharp allows on the CPU only.
    /// </summary>
    public static void Save(string path, TorchSharp.Modules.OptimizerHelper optimizer, VariationalAutoencoder model)
    {
        var device = model.parameters().First().device;
        if (device.type == DeviceType.CPU) { optimizer.save_py(path); return; }
        optimizer.to(torch.CPU);
        try { optimizer.save_py(path); }
        finally { optimizer.to(device); }
    }

    /// <summary>Loads optimizer.pt from <paramref name="folder"/> into <paramref name="optimizer"/>, checked before and after.</summary>
    public static void Load(string folder, string dir, TorchSharp.Modules.OptimizerHelper optimizer, VariationalAutoencoder model)
    {
        string path = Path.Combine(folder, CheckpointFiles.Optimizer);
        if (CheckpointFiles.Problem(folder, CheckpointFiles.Optimizer) is string problem) throw CheckpointFiles.Damaged(dir, problem); // a regular file within its bound
        CheckEntries(path, model, dir);
        try { optimizer.load_py(path); }
        catch (InvalidOperationException e) when (e.Message.StartsWith("Sequence contains no", StringComparison.Ordinal))
        {
            throw new CheckpointException($"{dir}: {CheckpointFiles.Optimizer} lacks a tensor that its pickle refers to (an entry of its data/ folder is missing); the file is damaged", e);
        }
        catch (Exception e) when (e is not OutOfMemoryException) // load_py's own failures (it throws no CheckpointException)
        {
            throw new CheckpointException($"{dir}: {CheckpointFiles.Optimizer} is corrupt ({e.Message.Split('\n')[0]})", e);
        }
        CheckMomentShapes(optimizer, model, dir);
        var device = model.parameters().First().device;
        if (device.type != DeviceType.CPU) optimizer.to(device); // the reader makes CPU tensors; the moments live beside their parameters
    }

    static void CheckEntries(string path, VariationalAutoencoder model, string dir)
    {
        long parameterBytes = model.parameters().Sum(p => p.numel() * p.element_size());
        long maxTotal = 3 * parameterBytes + CheckpointFiles.MaxOptimizerPickle;
        try
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(path);
            long total = 0;
            foreach (var entry in zip.Entries)
            {
                if (entry.Name.EndsWith(".pkl", StringComparison.Ordinal) && entry.Length > CheckpointFiles.MaxOptimizerPickle)
                    throw new CheckpointException($"{dir}: {CheckpointFiles.Optimizer}'s {entry.FullName} is {entry.Length:N0} bytes, more than the {CheckpointFiles.MaxOptimizerPickle:N0} an optimizer's settings need; the file is damaged");
                total += entry.Length;
            }
            if (total > maxTotal)
                throw new CheckpointException($"{dir}: {CheckpointFiles.Optimizer} claims {total:N0} bytes of content, more than the {maxTotal:N0} this model's optimizer state can hold; the file is damaged or belongs to another model");
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException($"{dir}: {CheckpointFiles.Optimizer} is not a torch.save archive ({e.Message}); the file is damaged", e);
        }
    }

    static void CheckMomentShapes(TorchSharp.Modules.OptimizerHelper optimizer, VariationalAutoencoder model, string dir)
    {
        var parameters = model.parameters().ToList();
        var states = optimizer.state_dict().State;
        for (int i = 0; i < states.Count && i < parameters.Count; i++)
        {
            var buffers = states[i] switch
            {
                TorchSharp.Modules.Adam.State a => new[] { a.exp_avg, a.exp_avg_sq },
                TorchSharp.Modules.Adagrad.State g => new[] { g.sum },
                _ => [],
            };
            foreach (var b in buffers)
                if (b is not null && !b.shape.SequenceEqual(parameters[i].shape))
                    throw new CheckpointException($"{dir}: {CheckpointFiles.Optimizer} holds a moment buffer of shape [{string.Join(", ", b.shape)}] for parameter {i} of shape [{string.Join(", ", parameters[i].shape)}]; the file is damaged or belongs to another model");
        }
    }
}
