using OneShot.Classification;
namespace OneShot.Verification;

/// <summary>
/// Options of a <see cref="SiameseClassifier"/>: one-shot classification by the best pair score of a Siamese head.
/// </summary>
/// <remarks>
/// The <see cref="Head"/> decides how embeddings are compared, so <see cref="ClassifierOptions.Metric"/> is not used.
/// A class's score is its best pair score: for a contrastive head the Euclidean distance to the nearest support
/// example (<see cref="ScoreKind.Distance"/>, probabilities <c>softmax(−distance / Temperature)</c>, default temperature 1),
/// for a Koch head the highest pair probability "same" (<see cref="ScoreKind.PairProbability"/>, probabilities
/// <c>softmax(probability / Temperature)</c>, default temperature 0.1). <see cref="ClassifierOptions.UnknownThreshold"/>
/// is compared with that score: a query is unknown when its best distance is above it, or its best pair probability below it.
/// </remarks>
public sealed record SiameseClassifierOptions : ClassifierOptions
{
    private readonly SiameseHead _head = SiameseHead.Contrastive();

    /// <summary>The pair head that scores a query against each support embedding. Default: contrastive, margin 1.</summary>
    public SiameseHead Head
    {
        get => _head;
        init => _head = value ?? throw new ArgumentNullException(nameof(Head));
    }

    /// <summary>0.1 for a Koch head (pair probabilities in [0, 1]), 1 for a contrastive head (Euclidean distances).</summary>
    protected override double DefaultTemperature => _head.Kind == SiameseHeadKind.Koch ? CosineTemperature : 1.0;

    /// <inheritdoc />
    public override IFewShotClassifier CreateClassifier() => new SiameseClassifier(this);
}
