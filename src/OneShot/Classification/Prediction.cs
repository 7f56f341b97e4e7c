namespace OneShot.Classification;

/// <summary>The classification of one query.</summary>
/// <remarks>
/// Equality is by value, including the <see cref="TopK"/> candidates in order, so two predictions are equal
/// exactly when every label, distance and probability is equal.
/// </remarks>
public sealed record Prediction
{
    /// <summary>The label given to a query whose best distance exceeds the open-set threshold.</summary>
    public const string UnknownLabel = "unknown";

    /// <summary>Creates a prediction.</summary>
    /// <param name="label">The predicted label, or <see cref="UnknownLabel"/>.</param>
    /// <param name="distance">The distance to the best candidate class.</param>
    /// <param name="probability">The probability of the best candidate class.</param>
    /// <param name="isUnknown">Whether the open-set threshold rejected the best candidate.</param>
    /// <param name="topK">The best candidates, best first; never empty.</param>
    public Prediction(string label, double distance, double probability, bool isUnknown, IReadOnlyList<LabelScore> topK)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        ArgumentNullException.ThrowIfNull(topK);
        if (topK.Count == 0)
        {
            throw new ArgumentException("A prediction needs at least one candidate.", nameof(topK));
        }

        Label = label;
        Distance = distance;
        Probability = probability;
        IsUnknown = isUnknown;
        TopK = topK.ToArray();
    }

    /// <summary>
    /// The predicted label: the best candidate's label, or <see cref="UnknownLabel"/> when
    /// <see cref="IsUnknown"/> is true.
    /// </summary>
    public string Label { get; }

    /// <summary>The distance to the best candidate class (also when <see cref="IsUnknown"/> is true).</summary>
    public double Distance { get; }

    /// <summary>The probability of the best candidate class (also when <see cref="IsUnknown"/> is true).</summary>
    public double Probability { get; }

    /// <summary>
    /// True when an open-set threshold is set and <see cref="Distance"/> exceeds it: the query looks like
    /// none of the known classes. <see cref="TopK"/> still lists the nearest candidates.
    /// </summary>
    public bool IsUnknown { get; }

    /// <summary>The best candidate classes, best first; at most the configured top-k, at least one.</summary>
    public IReadOnlyList<LabelScore> TopK { get; }

    /// <inheritdoc />
    public bool Equals(Prediction? other) =>
        other is not null
        && Label == other.Label
        && Distance.Equals(other.Distance)
        && Probability.Equals(other.Probability)
        && IsUnknown == other.IsUnknown
        && TopK.SequenceEqual(other.TopK);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Label, Distance, Probability, IsUnknown, TopK.Count);

    /// <summary>A one-line description: label, distance, probability and the candidates.</summary>
    public override string ToString() =>
        FormattableString.Invariant(
            $"{Label} (distance {Distance:G6}, p {Probability:P1}{(IsUnknown ? ", unknown" : string.Empty)}) top-k [{string.Join(", ", TopK.Select(s => FormattableString.Invariant($"{s.Label} {s.Probability:P1}")))}]");
}
