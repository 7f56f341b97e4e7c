namespace OneShot.Transfer;

/// <summary>A trained projection: the matrix, the epoch chosen and the history.</summary>
/// <param name="Weight">Row-major <c>[OutputSize, InputSize]</c>.</param>
/// <param name="OutputSize">Rows.</param>
/// <param name="InputSize">Columns.</param>
/// <param name="BestEpoch">The epoch whose matrix is returned: the best validation rank-1, or the last epoch without validation.</param>
/// <param name="History">Each validation (empty without validation pairs).</param>
/// <param name="Elapsed">Training time.</param>
public sealed record ProjectionTrainingResult(float[] Weight, int OutputSize, int InputSize, int BestEpoch, IReadOnlyList<ProjectionValidation> History, TimeSpan Elapsed)
{
    /// <summary>
    /// The base network's tuned blocks as a state dict (TorchSharp's format, keys as in the base network), from
    /// <see cref="TunedTailTrainer"/>; null when only the projection was trained.
    /// </summary>
#pragma warning disable CA1819 // A serialized state dict, handed to ProjectedEmbedder as is.
    public byte[]? TunedBaseWeights { get; init; }

    /// <summary>
    /// The training rows' mean (<c>InputSize</c> values) subtracted before projecting, when trained with
    /// <see cref="ProjectionTrainingOptions.Center"/>; null otherwise.
    /// </summary>
    public float[]? InputMean { get; init; }
#pragma warning restore CA1819
}
