using Vae.Core.Checkpoints;
using Vae.Data;
using Vae.Data.Acquisition;
using static TorchSharp.torch;
using Vae.Experiments.Terminal;
using Vae.Experiments.Runs;

namespace Vae.Experiments.Explore;

/// <summary>Builds an <see cref="ExplorerSession"/> from a checkpoint folder and the test split of its dataset.</summary>
internal static class ExplorerHost
{
    /// <summary>Loads the checkpoint on <paramref name="device"/> and encodes the test split; problems are one-line exceptions.</summary>
    public static ExplorerSession Load(string checkpoint, string? dataDir, Device device, Action<string> log)
    {
        var (model, state) = Checkpoint.LoadModel(checkpoint, device);
        try
        {
            using var loaded = DatasetStore.Load(state.Training.Dataset, Split.Test, DataAccess.Options(dataDir), new LineLog(log)).Dataset;
            using var test = loaded.To(device);
            long[] labels = loaded.Labels.data<long>().ToArray();
            var last = state.History.LastOrDefault(h => h.Test is not null);
            var facts = new ExplorerFacts(checkpoint, state.Model, state.Training, state.Epoch, last?.Test, loaded.Info.ClassNames, MetricsFile(checkpoint));
            log($"explore: {state.Training.Dataset}, latent {state.Model.LatentDim}: encoding {loaded.Count:N0} test images for the map");
            return ExplorerSession.Create(model, test.Images, labels, facts);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>metrics.json (reproduce) or history.json (train) in the folder above the checkpoint, when one is there.</summary>
    static string? MetricsFile(string checkpoint)
    {
        string? parent = Path.GetDirectoryName(Path.GetFullPath(checkpoint).TrimEnd(Path.DirectorySeparatorChar));
        if (parent is null) return null;
        return new[] { "metrics.json", "history.json" }.Select(f => Path.Combine(parent, f)).FirstOrDefault(File.Exists);
    }
}
