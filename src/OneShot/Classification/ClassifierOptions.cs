namespace OneShot.Classification;

/// <summary>
/// The settings shared by every few-shot classifier: the distance, the softmax temperature, how many
/// candidates a prediction lists and the optional open-set threshold.
/// </summary>
/// <remarks>
/// Use <see cref="PrototypeClassifierOptions"/> or <see cref="KNearestNeighborOptions"/>; the options also
/// choose the classifier (see <see cref="CreateClassifier"/>).
/// </remarks>
public abstract record ClassifierOptions
{
    private readonly DistanceMetric _metric = DistanceMetric.SquaredEuclidean;
    private readonly double _temperature = 1.0;
    private readonly int _topK = 5;
    private readonly double? _unknownThreshold;

    private protected ClassifierOptions()
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
    /// Lower values make predictions more confident. Default 1.
    /// </summary>
    public double Temperature
    {
        get => _temperature;
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
    /// The open-set threshold: when the best candidate's distance is greater than this, the prediction is
    /// <see cref="Prediction.UnknownLabel"/>. Null (the default) always returns the best candidate.
    /// Must be finite and not negative when set.
    /// </summary>
    public double? UnknownThreshold
    {
        get => _unknownThreshold;
        init => _unknownThreshold = value is null || (double.IsFinite(value.Value) && value.Value >= 0)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(UnknownThreshold), value, "UnknownThreshold must be finite and not negative.");
    }

    /// <summary>Creates the classifier these options describe.</summary>
    public abstract IFewShotClassifier CreateClassifier();
}
