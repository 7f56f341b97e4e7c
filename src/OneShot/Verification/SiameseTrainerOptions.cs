using OneShot.Data;

namespace OneShot.Verification;

/// <summary>The recipe of Siamese training on balanced same/different pairs, optimised with Adam.</summary>
public sealed record SiameseTrainerOptions
{
    private readonly SiameseHeadKind _head = SiameseHeadKind.Koch;
    private readonly double _margin = 1.0;
    private readonly int _pairsPerStep = 32;
    private readonly int _steps = 1000;
    private readonly double _learningRate = 1e-3;
    private readonly int _validationPairs = 256;
    private readonly int _lrStepSteps;
    private readonly double _embedderLearningRateFactor = 1.0;
    private readonly TimeSpan? _maxDuration;

    /// <summary>The pair head and its loss. Default <see cref="SiameseHeadKind.Koch"/>.</summary>
    public SiameseHeadKind Head
    {
        get => _head;
        init => _head = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Head), value, "Unknown head kind.");
    }

    /// <summary>The margin of the contrastive loss (positive, finite); unused by the Koch head. Default 1.</summary>
    public double Margin { get => _margin; init => _margin = Positive(value, nameof(Margin)); }

    /// <summary>Pairs per step, half "same" and half "different" (at least 2). Default 32.</summary>
    public int PairsPerStep { get => _pairsPerStep; init => _pairsPerStep = AtLeast(value, 2, nameof(PairsPerStep)); }

    /// <summary>The number of optimisation steps (at least 1). Default 1,000.</summary>
    public int Steps { get => _steps; init => _steps = AtLeast(value, 1, nameof(Steps)); }

    /// <summary>The Adam learning rate. Default 1e-3.</summary>
    public double LearningRate { get => _learningRate; init => _learningRate = Positive(value, nameof(LearningRate)); }

    /// <summary>Seeds pair sampling (step s uses a generator derived from (Seed, s)), augmentation and the Koch head's initial weights, all private generators. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// The Koch head to start from, for example the head of a Siamese model whose body is now fine-tuned (stage two
    /// of "frozen, then unfrozen"); null (the default) draws the head's initial weights from <see cref="Seed"/>.
    /// Needs <see cref="Head"/> = <see cref="SiameseHeadKind.Koch"/> and one weight per embedding value.
    /// </summary>
    public SiameseHead? InitialHead { get; init; }

    /// <summary>Random affine distortions of every training image; null (the default) trains on the images as they are.</summary>
    public AffineAugmentationOptions? Augmentation { get; init; }

    /// <summary>
    /// Pairs drawn from the validation set, when one is given, to calibrate the equal-error-rate threshold and
    /// measure verification accuracy after training (at least 2). Default 256.
    /// </summary>
    public int ValidationPairs { get => _validationPairs; init => _validationPairs = AtLeast(value, 2, nameof(ValidationPairs)); }

    /// <summary>
    /// The embedder's learning rate as a multiple of <see cref="LearningRate"/> (the head always gets the full rate):
    /// 1 (the default) trains everything alike; a value in (0, 1) fine-tunes a pretrained body gently (discriminative
    /// learning rates); 0 freezes the body, which then embeds in evaluation mode and only the Koch head learns.
    /// With the contrastive head (no parameters of its own) it must be positive.
    /// </summary>
    public double EmbedderLearningRateFactor
    {
        get => _embedderLearningRateFactor;
        init => _embedderLearningRateFactor = double.IsFinite(value) && value is >= 0 and <= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(EmbedderLearningRateFactor), value, "EmbedderLearningRateFactor must be between 0 and 1.");
    }

    /// <summary>Halve the learning rate every this many steps; 0 (the default) keeps it constant.</summary>
    public int LrStepSteps { get => _lrStepSteps; init => _lrStepSteps = AtLeast(value, 0, nameof(LrStepSteps)); }

    /// <summary>
    /// A wall-time budget: training stops after the step during which it ran out and returns the model trained so far
    /// (<see cref="SiameseTrainingResult.Losses"/> tells how many steps ran). Null (the default) runs every step.
    /// </summary>
    public TimeSpan? MaxDuration
    {
        get => _maxDuration;
        init => _maxDuration = value is null || value.Value > TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDuration), value, "MaxDuration must be positive.");
    }

    private static int AtLeast(int value, int minimum, string name) =>
        value >= minimum ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least {minimum}.");

    private static double Positive(double value, string name) =>
        double.IsFinite(value) && value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number.");
}
