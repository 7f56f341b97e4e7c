using OneShot.Verification;
namespace OneShot.Classification;

/// <summary>
/// The settings shared by every few-shot classifier: the distance, the softmax temperature, how many
/// candidates a prediction lists and the optional open-set threshold.
/// </summary>
/// <remarks>
/// <para>
/// The options also choose the method (see <see cref="CreateClassifier"/>): <see cref="PrototypeClassifierOptions"/>,
/// <see cref="KNearestNeighborOptions"/>, <see cref="LinearProbeClassifierOptions"/>, <see cref="CosineHeadClassifierOptions"/>
/// or <see cref="SiameseClassifierOptions"/>. A new method derives a record from this one, returns its
/// <see cref="IFewShotClassifier"/> from <see cref="CreateClassifier"/> (usually fitting a
/// <see cref="FittedClassifier{TOptions}"/>), and registers a codec with <see cref="ClassifierRegistry.Register"/> so
/// gallery files can store it.
/// </para>
/// <para>
/// One temperature, one meaning: probabilities are <c>softmax(−score / Temperature)</c> over the classes, where the
/// score is a distance or a cross-entropy (for the Koch pair head, whose score is a probability, <c>softmax(score / Temperature)</c>;
/// for k-NN, the logits are the log votes). The default fits the score's range: 0.1 for cosine distances (in [0, 2]),
/// 1 for (squared) Euclidean distances.
/// </para>
/// </remarks>
public abstract record ClassifierOptions
{
    private readonly DistanceMetric _metric = DistanceMetric.SquaredEuclidean;
    private readonly double? _temperature;
    private readonly int _topK = 5;
    private readonly double? _unknownThreshold;

    /// <summary>The default temperature for cosine distances (in [0, 2]): with four other classes at cosine distance 1 (orthogonal), a perfect match gets probability 0.9998, where temperature 1 would give 0.40.</summary>
    public const double CosineTemperature = 0.1;

    /// <summary>Initialises the shared settings to their defaults (for derived option records).</summary>
    protected ClassifierOptions()
    {
    }

    /// <summary>The distance between embeddings. Default <see cref="DistanceMetric.SquaredEuclidean"/>.</summary>
    public DistanceMetric Metric
    {
        get => _metric;
        init => _metric = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Metric), value, "Unknown distance metric.");
    }

    /// <summary>
    /// The softmax temperature (finite, greater than 0): probabilities are <c>softmax(−distance / Temperature)</c>.
    /// Lower values make predictions more confident. Default: <see cref="DefaultTemperature"/>, which is
    /// <see cref="CosineTemperature"/> (0.1) for <see cref="DistanceMetric.Cosine"/> and 1 otherwise.
    /// </summary>
    public double Temperature
    {
        get => _temperature ?? DefaultTemperature;
        init => _temperature = double.IsFinite(value) && value > 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Temperature), value, "Temperature must be finite and greater than 0.");
    }

    /// <summary>How many candidates each prediction lists (at least 1; fewer when there are fewer classes). Default 5.</summary>
    public int TopK
    {
        get => _topK;
        init => _topK = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(TopK), value, "TopK must be at least 1.");
    }

    /// <summary>
    /// The open-set threshold on the best candidate's <see cref="Prediction.Score"/>: when the score is worse than this
    /// (greater for a distance or cross-entropy, smaller for a pair probability; see <see cref="ScoreKind"/>), the
    /// prediction is <see cref="Prediction.UnknownLabel"/>. Null (the default) always returns the best candidate.
    /// Must be finite and not negative when set.
    /// </summary>
    public double? UnknownThreshold
    {
        get => _unknownThreshold;
        init => _unknownThreshold = value is null || (double.IsFinite(value.Value) && value.Value >= 0)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(UnknownThreshold), value, "UnknownThreshold must be finite and not negative.");
    }

    /// <summary>Equal when the types and the shared settings are equal, comparing the effective <see cref="Temperature"/> (set or default).</summary>
    /// <param name="other">The options to compare with.</param>
    public virtual bool Equals(ClassifierOptions? other) =>
        other is not null
        && EqualityContract == other.EqualityContract
        && _metric == other._metric
        && Temperature.Equals(other.Temperature)
        && _topK == other._topK
        && Nullable.Equals(_unknownThreshold, other._unknownThreshold);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(EqualityContract, _metric, Temperature, _topK, _unknownThreshold);

    /// <summary>The temperature used when <see cref="Temperature"/> is not set: <see cref="CosineTemperature"/> for cosine distances, 1 otherwise.</summary>
    protected virtual double DefaultTemperature => DefaultTemperatureFor(Metric);

    /// <summary>The temperature that fits distances of <paramref name="metric"/>: <see cref="CosineTemperature"/> (0.1) for cosine distances in [0, 2], 1 for (squared) Euclidean ones.</summary>
    public static double DefaultTemperatureFor(DistanceMetric metric) => metric == DistanceMetric.Cosine ? CosineTemperature : 1.0;

    /// <summary>Creates the classifier these options describe.</summary>
    public abstract IFewShotClassifier CreateClassifier();
}
