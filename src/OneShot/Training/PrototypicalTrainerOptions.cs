using System.Globalization;
using OneShot.Classification;
using OneShot.Data;

namespace OneShot.Training;

/// <summary>
/// The recipe of episodic prototypical-network training. Defaults follow Snell et al. (2017) on Omniglot:
/// 60-way 1-shot 5-query episodes, Adam at 1e-3 halved every 2,000 episodes.
/// </summary>
public sealed record PrototypicalTrainerOptions
{
    private readonly int _way = 60;
    private readonly int _shot = 1;
    private readonly int _query = 5;
    private readonly int _episodes = 2000;
    private readonly double _learningRate = 1e-3;
    private readonly int _lrStepEpisodes = 2000;
    private readonly double _lrGamma = 0.5;
    private readonly double? _temperature;
    private readonly int _validationInterval = 500;
    private readonly int _validationEpisodes = 100;
    private readonly int _validationWay = 5;
    private readonly int _validationShot = 1;
    private readonly int _validationQuery = 15;
    private readonly int? _patience;
    private readonly int _checkpointInterval = 100;
    private readonly double _withinGroupFraction;
    private readonly int _openSetWay;
    private readonly double _openSetWeight = 1;

    /// <summary>Classes per training episode N. Default 60.</summary>
    public int Way { get => _way; init => _way = AtLeast(value, 2, nameof(Way)); }

    /// <summary>Support items per class K. Default 1.</summary>
    public int Shot { get => _shot; init => _shot = AtLeast(value, 1, nameof(Shot)); }

    /// <summary>Query items per class Q. Default 5.</summary>
    public int Query { get => _query; init => _query = AtLeast(value, 1, nameof(Query)); }

    /// <summary>The total number of training episodes (steps), counting those of a resumed checkpoint. Default 2,000.</summary>
    public int Episodes { get => _episodes; init => _episodes = AtLeast(value, 1, nameof(Episodes)); }

    /// <summary>The initial Adam learning rate. Default 1e-3.</summary>
    public double LearningRate { get => _learningRate; init => _learningRate = Positive(value, nameof(LearningRate)); }

    /// <summary>
    /// How the learning rate changes: <see cref="LearningRateSchedule.Step"/> (the default; see
    /// <see cref="LrStepEpisodes"/> and <see cref="LrGamma"/>) or <see cref="LearningRateSchedule.Cosine"/> annealing to 0
    /// over <see cref="Episodes"/>.
    /// </summary>
    public LearningRateSchedule LrSchedule { get; init; } = LearningRateSchedule.Step;

    /// <summary>
    /// Random affine distortions of every support and query image of a training episode (never of validation
    /// episodes), drawn from a generator derived from (<see cref="Seed"/>, episode) so runs stay reproducible and
    /// resumable; null (the default) trains on the images as they are.
    /// </summary>
    public AffineAugmentationOptions? Augmentation { get; init; }

    /// <summary>
    /// The group of every class of the training dataset (for Omniglot the alphabet, see
    /// <see cref="OmniglotDataset.ClassGroups"/>), for <see cref="WithinGroupFraction"/>. Null (the default): no groups.
    /// </summary>
    public IReadOnlyList<string>? ClassGroups { get; init; }

    /// <summary>
    /// The fraction of training episodes, in [0, 1], whose classes all come from one group of <see cref="ClassGroups"/>
    /// (drawn uniformly among the groups with at least <see cref="Way"/> classes): harder episodes of similar classes,
    /// as in Lake et al.'s within-alphabet one-shot task. Whether episode e is one is fixed by (<see cref="Seed"/>, e), so
    /// resumed runs draw the same episodes. Default 0 (classes drawn from the whole dataset).
    /// </summary>
    public double WithinGroupFraction
    {
        get => _withinGroupFraction;
        init => _withinGroupFraction = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(WithinGroupFraction), value, "WithinGroupFraction must be in [0, 1].");
    }

    /// <summary>
    /// Open-set training: this many extra classes per episode (default 0, none) whose queries stand for characters
    /// nobody enrolled. They get no prototype; besides the prototypical loss over the <see cref="Way"/> known classes,
    /// the step minimises <see cref="OpenSetWeight"/> times a pairwise term that pushes every unknown query farther
    /// from its nearest prototype than every known query is from its own (<c>softplus((d_known − d_unknown) /
    /// Temperature)</c>, averaged over the episode's pairs). A gallery's unknown threshold on the best distance then
    /// separates the two better. Episodes draw <see cref="Way"/> + OpenSetWay classes with <see cref="Query"/> queries
    /// each; the unknown classes' support images are not embedded.
    /// </summary>
    public int OpenSetWay { get => _openSetWay; init => _openSetWay = AtLeast(value, 0, nameof(OpenSetWay)); }

    /// <summary>The weight of the open-set term when <see cref="OpenSetWay"/> is above 0, positive. Default 1.</summary>
    public double OpenSetWeight { get => _openSetWeight; init => _openSetWeight = Positive(value, nameof(OpenSetWeight)); }

    /// <summary>
    /// The loss of a step: <see cref="EpisodeLoss.Prototypical"/> (the default) or <see cref="EpisodeLoss.Nca"/> over
    /// all images of the episode, with the same <see cref="Metric"/> and <see cref="Temperature"/>. NCA cannot be combined
    /// with <see cref="OpenSetWay"/>.
    /// </summary>
    public EpisodeLoss Loss { get; init; } = EpisodeLoss.Prototypical;

    /// <summary>With <see cref="LearningRateSchedule.Step"/>: the learning rate is multiplied by <see cref="LrGamma"/> every this many episodes. Default 2,000.</summary>
    public int LrStepEpisodes { get => _lrStepEpisodes; init => _lrStepEpisodes = AtLeast(value, 1, nameof(LrStepEpisodes)); }

    /// <summary>The learning-rate decay factor, in (0, 1]. Default 0.5.</summary>
    public double LrGamma
    {
        get => _lrGamma;
        init => _lrGamma = value > 0 && value <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(LrGamma), value, "LrGamma must be in (0, 1].");
    }

    /// <summary>How queries are compared with prototypes. Default squared Euclidean.</summary>
    public DistanceMetric Metric { get; init; } = DistanceMetric.SquaredEuclidean;

    /// <summary>
    /// The softmax temperature of the loss, as in <see cref="ClassifierOptions.Temperature"/>: logits are
    /// <c>−distance / Temperature</c>. Default <see cref="ClassifierOptions.DefaultTemperatureFor"/> the metric (0.1 for
    /// cosine, which is the usual logit scale of 10; 1 for squared Euclidean).
    /// </summary>
    public double Temperature { get => _temperature ?? ClassifierOptions.DefaultTemperatureFor(Metric); init => _temperature = Positive(value, nameof(Temperature)); }

    /// <summary>Validate every this many episodes (and after the last one) when a validation set is given. Default 500.</summary>
    public int ValidationInterval { get => _validationInterval; init => _validationInterval = AtLeast(value, 1, nameof(ValidationInterval)); }

    /// <summary>Episodes per validation; always the same episodes, so validations compare. Default 100.</summary>
    public int ValidationEpisodes { get => _validationEpisodes; init => _validationEpisodes = AtLeast(value, 1, nameof(ValidationEpisodes)); }

    /// <summary>Classes per validation episode. Default 5.</summary>
    public int ValidationWay { get => _validationWay; init => _validationWay = AtLeast(value, 2, nameof(ValidationWay)); }

    /// <summary>Support items per class in validation episodes. Default 1.</summary>
    public int ValidationShot { get => _validationShot; init => _validationShot = AtLeast(value, 1, nameof(ValidationShot)); }

    /// <summary>Query items per class in validation episodes. Default 15.</summary>
    public int ValidationQuery { get => _validationQuery; init => _validationQuery = AtLeast(value, 1, nameof(ValidationQuery)); }

    /// <summary>
    /// Stop when the validation loss has not improved for this many validations in a row; null (the default)
    /// never stops early.
    /// </summary>
    public int? Patience
    {
        get => _patience;
        init => _patience = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Patience), value, "Patience must be at least 1, or null for no early stopping.");
    }

    /// <summary>Seeds episode sampling (episode e uses a private generator derived from (Seed, e)). Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Where checkpoints go; null (the default) saves none. A directory (existing, ending in a separator, or without
    /// an extension) receives <c>training.ckpt</c> and <c>best.weights</c>; a file path is the checkpoint itself and
    /// the best weights go beside it as <c>{name}.best.weights</c>.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Save a checkpoint every this many episodes (also at validations, at the end and on cancellation). Default 100.</summary>
    public int CheckpointInterval { get => _checkpointInterval; init => _checkpointInterval = AtLeast(value, 1, nameof(CheckpointInterval)); }

    /// <summary>
    /// When true (the default) and the checkpoint exists, training continues from it exactly as if it had not been
    /// interrupted; when false an existing checkpoint is overwritten.
    /// </summary>
    public bool Resume { get; init; } = true;

    /// <summary>The settings a resumed run must share with its checkpoint for the continuation to be exact.</summary>
    internal string ToRecipeString() => string.Create(
        CultureInfo.InvariantCulture,
        $"way={Way};shot={Shot};query={Query};lr={LearningRate:R};lrstep={LrStepEpisodes};gamma={LrGamma:R};metric={Metric};temperature={Temperature:R};seed={Seed}{ExtraRecipe()}");

    // Appended only when not the default, so checkpoints written before these settings existed still resume.
    private string ExtraRecipe()
    {
        string schedule = LrSchedule == LearningRateSchedule.Step ? string.Empty : $";schedule={LrSchedule};episodes={Episodes}";
        string augment = Augmentation is not { IsIdentity: false } a
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $";augment={a.RotationDegrees:R},{a.ShearDegrees:R},{a.ScaleMin:R},{a.ScaleMax:R},{a.TranslateFraction:R}");
        string within = WithinGroupFraction == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $";withingroup={WithinGroupFraction:R}");
        string openSet = OpenSetWay == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $";openset={OpenSetWay},{OpenSetWeight:R}");
        string loss = Loss == EpisodeLoss.Prototypical ? string.Empty : $";loss={Loss}";
        return schedule + augment + within + openSet + loss;
    }

    private static int AtLeast(int value, int minimum, string name) =>
        value >= minimum ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least {minimum}.");

    private static double Positive(double value, string name) =>
        double.IsFinite(value) && value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number.");
}
