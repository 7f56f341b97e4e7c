namespace OneShot.Classification;

/// <summary>
/// Options of a <see cref="SiameseClassifier"/>: one-shot classification by the best pair score of a Siamese head.
/// </summary>
/// <remarks>
/// The <see cref="Head"/> decides how embeddings are compared, so <see cref="ClassifierOptions.Metric"/> is not used.
/// Reported distances are <see cref="SiameseHead.ToDistance"/> of the best score (1 − probability for a Koch head,
/// the Euclidean distance for a contrastive head), which is what <see cref="ClassifierOptions.UnknownThreshold"/>
/// compares with. Probabilities are <c>softmax(class score / Temperature)</c>.
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

    /// <inheritdoc />
    public override IFewShotClassifier CreateClassifier() => new SiameseClassifier(this);
}
