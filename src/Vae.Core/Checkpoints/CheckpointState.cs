using Vae.Core.Config;
using Vae.Core.Models;
using Vae.Core.Metrics;

namespace Vae.Core.Checkpoints;

/// <summary>The JSON part of a checkpoint (trainer.json).</summary>
/// <param name="Format">Layout version, "vae-checkpoint/1".</param>
/// <param name="Model">The model config the weights belong to.</param>
/// <param name="Training">The training config of the run.</param>
/// <param name="Epoch">Epochs finished.</param>
/// <param name="History">Per-epoch metrics so far.</param>
/// <param name="GeneratorState">Base64 of the training generator's state after the epoch (empty when none).</param>
public sealed record CheckpointState(string Format, ModelConfig Model, TrainingConfig Training, int Epoch,
    IReadOnlyList<EpochMetrics> History, string GeneratorState);

/// <summary>A model rebuilt from a checkpoint, with the state it was saved with.</summary>
/// <param name="Model">The model, its weights loaded, on the requested device; the caller disposes it.</param>
/// <param name="State">The checkpoint's configs, epoch and history.</param>
public sealed record LoadedModel(VariationalAutoencoder Model, CheckpointState State);

/// <summary>A checkpoint that is missing, corrupt, or made for another model (one-line message).</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string message, Exception? inner = null) : base(message, inner) { }
}
