namespace OneShot.Classification;

/// <summary>
/// Options of a <see cref="CosineHeadClassifier"/>: a cosine classifier (Baseline++, Chen et al. 2019) whose class
/// weights start at the normalised class prototypes and are fine-tuned for a few steps on the support embeddings.
/// </summary>
/// <remarks>
/// <see cref="ClassifierOptions.Metric"/> is not used: scores are always cosine distances <c>1 − cos(x, w)</c>, which
/// <see cref="ClassifierOptions.UnknownThreshold"/> is compared with. Probabilities are
/// <c>softmax(−distance / Temperature)</c>, and the fine-tuning loss is the cross-entropy of the same softmax, so
/// <see cref="ClassifierOptions.Temperature"/> (default 0.1, a logit scale of 10) is the one knob of both.
/// </remarks>
public sealed record CosineHeadClassifierOptions : ClassifierOptions
{
    private readonly int _steps = 50;
    private readonly double _learningRate = 0.01;

    /// <summary>
    /// Full-batch Adam steps on the support cross-entropy (at least 0). With 0 the classifier is plain cosine
    /// prototypes: each class weight is the normalised mean of the normalised support embeddings. Default 50.
    /// </summary>
    public int Steps
    {
        get => _steps;
        init => _steps = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Steps), value, "Steps must be at least 0.");
    }

    /// <summary>The Adam learning rate (positive, finite). Default 0.01.</summary>
    public double LearningRate
    {
        get => _learningRate;
        init => _learningRate = double.IsFinite(value) && value > 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "LearningRate must be a positive finite number.");
    }

    /// <inheritdoc />
    protected override double DefaultTemperature => CosineTemperature;

    /// <inheritdoc />
    public override IFewShotClassifier CreateClassifier() => new CosineHeadClassifier(this);
}
