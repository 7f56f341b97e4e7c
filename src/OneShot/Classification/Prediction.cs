namespace OneShot.Classification;

/// <summary>The classification of one query.</summary>
/// <remarks>
/// Equality is by value, including the <see cref="TopK"/> candidates in order, so two predictions are equal
/// exactly when every label, score and probability is equal.
/// </remarks>
public sealed record Prediction
{
    /// <summary>The label given to a query whose best score is worse than the open-set threshold.</summary>
    public const string UnknownLabel = "unknown";

    /// <summary>Creates a prediction.</summary>
    /// <param name="label">The predicted label, or <see cref="UnknownLabel"/>.</param>
    /// <param name="score">The score of the best candidate class.</param>
    /// <param name="scoreKind">What <paramref name="score"/> and the candidates' scores measure.</param>
    /// <param name="probability">The probability of the best candidate class.</param>
    /// <param name="isUnknown">Whether the open-set threshold rejected the best candidate.</param>
    /// <param name="topK">The best candidates, best first; never empty.</param>
    public Prediction(string label, double score, ScoreKind scoreKind, double probability, bool isUnknown, IReadOnlyList<LabelScore> topK)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        ArgumentNullException.ThrowIfNull(topK);
        if (!Enum.IsDefined(scoreKind))
        {
            throw new ArgumentOutOfRangeException(nameof(scoreKind), scoreKind, "Unknown score kind.");
        }

        if (topK.Count == 0)
        {
            throw new ArgumentException("A prediction needs at least one candidate.", nameof(topK));
        }

        Label = label;
        Score = score;
        ScoreKind = scoreKind;
        Probability = probability;
        IsUnknown = isUnknown;
        TopK = topK.ToArray();
    }

    /// <summary>
    /// The predicted label: the best candidate's label, or <see cref="UnknownLabel"/> when
    /// <see cref="IsUnknown"/> is true.
    /// </summary>
    public string Label { get; }

    /// <summary>The score of the best candidate class (also when <see cref="IsUnknown"/> is true); <see cref="ScoreKind"/> says what it measures.</summary>
    public double Score { get; }

    /// <summary>What <see cref="Score"/> and the <see cref="LabelScore.Score"/> of the candidates measure.</summary>
    public ScoreKind ScoreKind { get; }

    /// <summary>The distance to the best candidate class when the score is a distance (<see cref="ScoreKind.Distance"/>); otherwise null.</summary>
    public double? Distance => ScoreKind == ScoreKind.Distance ? Score : null;

    /// <summary>The probability of the best candidate class (also when <see cref="IsUnknown"/> is true).</summary>
    public double Probability { get; }

    /// <summary>
    /// True when an open-set threshold is set and <see cref="Score"/> is worse than it (see <see cref="ScoreKind"/>):
    /// the query looks like none of the known classes. <see cref="TopK"/> still lists the best candidates.
    /// </summary>
    public bool IsUnknown { get; }

    /// <summary>The best candidate classes, best first; at most the configured top-k, at least one.</summary>
    public IReadOnlyList<LabelScore> TopK { get; }

    /// <inheritdoc />
    public bool Equals(Prediction? other) =>
        other is not null
        && Label == other.Label
        && Score.Equals(other.Score)
        && ScoreKind == other.ScoreKind
        && Probability.Equals(other.Probability)
        && IsUnknown == other.IsUnknown
        && TopK.SequenceEqual(other.TopK);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Label, Score, ScoreKind, Probability, IsUnknown, TopK.Count);

    /// <summary>A one-line description: label, score, probability and the candidates.</summary>
    public override string ToString() =>
        FormattableString.Invariant(
            $"{Label} ({ScoreName(ScoreKind)} {Score:G6}, p {Probability:P1}{(IsUnknown ? ", unknown" : string.Empty)}) top-k [{string.Join(", ", TopK.Select(s => FormattableString.Invariant($"{s.Label} {s.Probability:P1}")))}]");

    private static string ScoreName(ScoreKind kind) => kind switch
    {
        ScoreKind.Distance => "distance",
        ScoreKind.NegativeLogLikelihood => "-log p",
        _ => "pair p",
    };
}
