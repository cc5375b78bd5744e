using Vae.Core.Config;

namespace Vae.Core.Checkpoints;

/// <summary>
/// trainer.json: read within its bound and checked field by field before anything uses it. JSON can leave any field null
/// or give it any value, and a file can disagree with itself; each such case is a one-line <see cref="CheckpointException"/>.
/// </summary>
internal static class TrainerStateFile
{
    /// <summary>Reads and checks trainer.json in the complete <paramref name="folder"/>; messages name <paramref name="dir"/>.</summary>
    public static CheckpointState Read(string folder, string dir)
    {
        string text = CheckpointFiles.ReadText(folder, CheckpointFiles.State, dir);
        try
        {
            var state = ConfigJson.Parse<CheckpointState>(text);
            if (state.Format != Checkpoint.FormatVersion) throw new CheckpointException($"{dir}: checkpoint format '{state.Format}' is not {Checkpoint.FormatVersion}");
            if (state.Model is null) throw new ArgumentException("model is missing");
            if (state.Training is null) throw new ArgumentException("training is missing");
            if (state.History is null || state.History.Any(h => h is null || h.Train is null)) throw new ArgumentException("history is missing or has empty entries");
            if (state.Epoch != state.History.Count) throw new ArgumentException($"epoch is {state.Epoch} but the history has {state.History.Count} entries");
            for (int i = 0; i < state.History.Count; i++)
                if (state.History[i].Epoch != i + 1) throw new ArgumentException($"history entry {i + 1} is for epoch {state.History[i].Epoch}");
            if (state.GeneratorState is null) throw new ArgumentException("generatorState is missing");
            try { Convert.FromBase64String(state.GeneratorState); } // "" (no generator) is valid base64
            catch (FormatException) { throw new ArgumentException("generatorState is not base64"); }
            ConfigValidator.Validate(state.Model);
            ConfigValidator.Validate(state.Training);
            return state;
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"{dir}: {CheckpointFiles.State} is corrupt ({e.Message}); restore it, or start over with `train --restart`", e);
        }
    }
}
