namespace OneShot.Classification;

/// <summary>
/// Options of a <see cref="LinearProbeClassifier"/>: multinomial logistic regression on frozen embeddings (a linear
/// probe), trained with full-batch Adam for a fixed number of steps.
/// </summary>
/// <remarks>
/// <see cref="ClassifierOptions.Metric"/> is not used. A prediction's score for a class is its cross-entropy
/// <c>−log p</c> at temperature 1 (<see cref="ScoreKind.NegativeLogLikelihood"/>, not a distance), so
/// <see cref="ClassifierOptions.UnknownThreshold"/> rejects a query whose best class has <c>p &lt; exp(−threshold)</c>;
/// probabilities are <c>softmax(logits / Temperature)</c>, that is <c>softmax(−score / Temperature)</c>.
/// </remarks>
public sealed record LinearProbeClassifierOptions : ClassifierOptions
{
    private readonly int _steps = 200;
    private readonly double _learningRate = 0.05;
    private readonly double _weightDecay = 1e-3;

    /// <summary>Full-batch Adam steps (at least 1). Default 200.</summary>
    public int Steps
    {
        get => _steps;
        init => _steps = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Steps), value, "Steps must be at least 1.");
    }

    /// <summary>The Adam learning rate (positive, finite). Default 0.05.</summary>
    public double LearningRate
    {
        get => _learningRate;
        init => _learningRate = double.IsFinite(value) && value > 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "LearningRate must be a positive finite number.");
    }

    /// <summary>
    /// The L2 penalty <c>WeightDecay / 2 × ‖W‖²</c> on the weights (not the biases) added to the mean cross-entropy
    /// (finite, not negative). Default 1e-3.
    /// </summary>
    public double WeightDecay
    {
        get => _weightDecay;
        init => _weightDecay = double.IsFinite(value) && value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(WeightDecay), value, "WeightDecay must be finite and not negative.");
    }

    /// <summary>1: the logits are used as trained, whatever the metric.</summary>
    protected override double DefaultTemperature => 1.0;

    /// <inheritdoc />
    public override IFewShotClassifier CreateClassifier() => new LinearProbeClassifier(this);
}
