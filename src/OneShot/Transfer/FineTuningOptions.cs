namespace OneShot.Transfer;

/// <summary>
/// The recipe of <see cref="FineTuner"/>: train a new linear head with the body frozen, then unfreeze the last
/// stages and train on with lower, layer-wise learning rates.
/// </summary>
public sealed record FineTuningOptions
{
    private readonly int _headSteps = 100;
    private readonly double _headLearningRate = 1e-2;
    private readonly int _unfrozenStages = 1;
    private readonly int _fineTuneSteps = 50;
    private readonly double _fineTuneLearningRate = 1e-3;
    private readonly double _layerDecay = 0.5;
    private readonly double _weightDecay;
    private readonly int _batchSize = 32;
    private readonly int _validationInterval = 5;
    private readonly int? _patience = 5;
    private readonly int? _holdOutMinimumShots = 3;
    private readonly int _topK = 5;

    /// <summary>Adam steps of phase 1, which trains only the head on the frozen body's embeddings (at least 1). Default 100.</summary>
    public int HeadSteps { get => _headSteps; init => _headSteps = AtLeast(value, 1, nameof(HeadSteps)); }

    /// <summary>The Adam learning rate of the head in phase 1. Default 1e-2.</summary>
    public double HeadLearningRate { get => _headLearningRate; init => _headLearningRate = Positive(value, nameof(HeadLearningRate)); }

    /// <summary>
    /// How many of the backbone's last stages (<see cref="Embeddings.BackboneOptions.Stages"/>) phase 2 unfreezes
    /// (at least 0, at most the number of stages, checked when fitting). 0 skips phase 2. Default 1.
    /// </summary>
    public int UnfrozenStages { get => _unfrozenStages; init => _unfrozenStages = AtLeast(value, 0, nameof(UnfrozenStages)); }

    /// <summary>Adam steps of phase 2, which trains the head and the unfrozen stages (at least 0; 0 skips phase 2). Default 50.</summary>
    public int FineTuneSteps { get => _fineTuneSteps; init => _fineTuneSteps = AtLeast(value, 0, nameof(FineTuneSteps)); }

    /// <summary>
    /// The head's learning rate in phase 2; the last unfrozen stage learns at this × <see cref="LayerDecay"/>, the one
    /// before at this × <see cref="LayerDecay"/>², and so on (see <see cref="LayerwiseLearningRates"/>). Default 1e-3.
    /// </summary>
    public double FineTuneLearningRate { get => _fineTuneLearningRate; init => _fineTuneLearningRate = Positive(value, nameof(FineTuneLearningRate)); }

    /// <summary>The factor between the learning rates of neighbouring stages in phase 2, in (0, 1]. Default 0.5.</summary>
    public double LayerDecay
    {
        get => _layerDecay;
        init => _layerDecay = value > 0 && value <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(LayerDecay), value, "LayerDecay must be in (0, 1].");
    }

    /// <summary>Adam's L2 weight decay in both phases (finite, not negative). Default 0.</summary>
    public double WeightDecay
    {
        get => _weightDecay;
        init => _weightDecay = double.IsFinite(value) && value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(WeightDecay), value, "WeightDecay must be finite and not negative.");
    }

    /// <summary>
    /// Examples per step (at least 1). When the training examples are more, each step takes the next ones of a seeded
    /// shuffle (reshuffled after every pass); otherwise every step uses all of them. Default 32.
    /// </summary>
    public int BatchSize { get => _batchSize; init => _batchSize = AtLeast(value, 1, nameof(BatchSize)); }

    /// <summary>With a held-out set, validate every this many steps of each phase and after its last step. Default 5.</summary>
    public int ValidationInterval { get => _validationInterval; init => _validationInterval = AtLeast(value, 1, nameof(ValidationInterval)); }

    /// <summary>
    /// With a held-out set, end a phase when the validation loss has not improved for this many validations in a row;
    /// null never ends a phase early (the best weights are still kept). Default 5.
    /// </summary>
    public int? Patience
    {
        get => _patience;
        init => _patience = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Patience), value, "Patience must be at least 1, or null for no early stopping.");
    }

    /// <summary>
    /// When every class has at least this many support examples (at least 2), the last example of each class is held out
    /// for validation: the weights with the lowest held-out loss are kept and <see cref="Patience"/> stops early.
    /// Otherwise, or when null, every example is trained on for the fixed step counts. Default 3.
    /// </summary>
    public int? HoldOutMinimumShots
    {
        get => _holdOutMinimumShots;
        init => _holdOutMinimumShots = value is null or >= 2 ? value : throw new ArgumentOutOfRangeException(nameof(HoldOutMinimumShots), value, "HoldOutMinimumShots must be at least 2, or null to never hold out.");
    }

    /// <summary>Seeds the head's initial weights, the held-out choice and the batches. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>How many candidates each prediction lists (at least 1). Default 5.</summary>
    public int TopK { get => _topK; init => _topK = AtLeast(value, 1, nameof(TopK)); }

    /// <summary>
    /// When false (the default) the embedder passed to <see cref="FineTuner"/>
    /// is copied and left unchanged; when true it is fine-tuned in place (and the fitted classifier does not dispose it).
    /// </summary>
    public bool InPlace { get; init; }

    private static int AtLeast(int value, int minimum, string name) =>
        value >= minimum ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least {minimum}.");

    private static double Positive(double value, string name) =>
        double.IsFinite(value) && value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number.");
}
