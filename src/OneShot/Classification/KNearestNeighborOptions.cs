namespace OneShot.Classification;

/// <summary>Options of a <see cref="KNearestNeighborClassifier"/>.</summary>
public sealed record KNearestNeighborOptions : ClassifierOptions
{
    private readonly int _k = 3;
    private readonly NeighborWeighting _weighting = NeighborWeighting.Distance;

    /// <summary>
    /// How many nearest support examples vote (at least 1; all of them when there are fewer). Default 3.
    /// </summary>
    public int K
    {
        get => _k;
        init => _k = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(K), value, "K must be at least 1.");
    }

    /// <summary>How the neighbours' votes are weighted. Default <see cref="NeighborWeighting.Distance"/>.</summary>
    public NeighborWeighting Weighting
    {
        get => _weighting;
        init => _weighting = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Weighting), value, "Unknown neighbour weighting.");
    }

    /// <summary>1: votes are shared as counted, whatever the metric.</summary>
    protected override double DefaultTemperature => 1.0;

    /// <inheritdoc />
    public override IFewShotClassifier CreateClassifier() => new KNearestNeighborClassifier(this);
}
