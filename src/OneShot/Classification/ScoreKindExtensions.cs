namespace OneShot.Classification;

/// <summary>The direction of each <see cref="ScoreKind"/>.</summary>
public static class ScoreKindExtensions
{
    /// <summary>True when a lower score is better (<see cref="ScoreKind.Distance"/>, <see cref="ScoreKind.NegativeLogLikelihood"/>).</summary>
    public static bool IsLowerBetter(this ScoreKind kind) => kind switch
    {
        ScoreKind.Distance or ScoreKind.NegativeLogLikelihood => true,
        ScoreKind.PairProbability => false,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown score kind."),
    };

    /// <summary>True when <paramref name="score"/> is worse than <paramref name="threshold"/>: above it when lower is better, below it otherwise.</summary>
    public static bool IsWorseThan(this ScoreKind kind, double score, double threshold) =>
        kind.IsLowerBetter() ? score > threshold : score < threshold;
}
