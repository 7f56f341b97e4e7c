using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// What a classifier's scoring step returns for a batch of Q queries over C classes: one score and one probability per
/// query and class, row-major <c>[Q,C]</c>. <see cref="FittedClassifier{TOptions}"/> ranks them into predictions.
/// </summary>
public sealed class ClassScores
{
    private readonly float[] _scores;
    private readonly float[] _probabilities;

    /// <summary>Creates the scores of <paramref name="queryCount"/> queries from row-major arrays (not copied; do not change them afterwards).</summary>
    /// <param name="queryCount">The number of queries Q (at least 0).</param>
    /// <param name="scores">Q·C scores, of the classifier's <see cref="ScoreKind"/>.</param>
    /// <param name="probabilities">Q·C probabilities; each row sums to 1.</param>
    /// <exception cref="ArgumentException">The lengths differ or are not a multiple of <paramref name="queryCount"/>.</exception>
    public ClassScores(int queryCount, float[] scores, float[] probabilities)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queryCount);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(probabilities);
        if (scores.Length != probabilities.Length || (queryCount == 0 ? scores.Length != 0 : scores.Length % queryCount != 0))
        {
            throw new ArgumentException(
                $"Expected {queryCount} rows of scores and of probabilities with the same length; got {scores.Length} scores and {probabilities.Length} probabilities.",
                nameof(probabilities));
        }

        QueryCount = queryCount;
        _scores = scores;
        _probabilities = probabilities;
    }

    /// <summary>The number of queries Q.</summary>
    public int QueryCount { get; }

    /// <summary>The scores, row-major <c>[Q,C]</c>.</summary>
    public ReadOnlyMemory<float> Scores => _scores;

    /// <summary>The probabilities, row-major <c>[Q,C]</c>.</summary>
    public ReadOnlyMemory<float> Probabilities => _probabilities;

    /// <summary>Copies score and probability tensors <c>[Q,C]</c> (any floating dtype and device) into new scores.</summary>
    /// <exception cref="ArgumentException">The tensors are not 2-D of the same shape.</exception>
    public static ClassScores FromTensors(Tensor scores, Tensor probabilities)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(probabilities);
        if (scores.dim() != 2 || !scores.shape.SequenceEqual(probabilities.shape))
        {
            throw new ArgumentException(
                $"Expected scores and probabilities of the same shape [Q,C]; got [{string.Join(",", scores.shape)}] and [{string.Join(",", probabilities.shape)}].",
                nameof(probabilities));
        }

        using var scope = NewDisposeScope();
        return new ClassScores((int)scores.shape[0], ToArray(scores), ToArray(probabilities));
    }

    internal float[] ScoreArray => _scores;

    internal float[] ProbabilityArray => _probabilities;

    private static float[] ToArray(Tensor tensor) =>
        tensor.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
}
