using OneShot.Classification;

namespace OneShot.Evaluation;

/// <summary>
/// An open-set threshold (<see cref="ClassifierOptions.UnknownThreshold"/>) chosen on held-out classes for a target
/// false-accept rate: queries of classes outside the support set ("unknowns") must be accepted at most that often.
/// </summary>
/// <param name="Classifier">The classifier type name as <see cref="ClassifierRegistry"/> stores it.</param>
/// <param name="Metric">The distance the threshold is in.</param>
/// <param name="Threshold">The threshold on the best candidate's score (see <see cref="ScoreKind"/>).</param>
/// <param name="TargetFalseAcceptRate">The false-accept rate asked for, 0..1.</param>
/// <param name="FalseAcceptRate">The false-accept rate reached on the calibration episodes.</param>
/// <param name="FalseRejectRate">The false-reject rate (known queries rejected) on the calibration episodes.</param>
/// <param name="Auroc">The AUROC of known versus unknown on the calibration episodes.</param>
/// <param name="FittedOn">What the episodes were drawn from, for example <c>omniglot/val</c>.</param>
/// <param name="Way">Known classes per episode.</param>
/// <param name="Shot">Support items per class.</param>
/// <param name="Episodes">The number of episodes.</param>
/// <param name="Seed">The episode seed.</param>
public sealed record UnknownThresholdCalibration(
    string Classifier,
    DistanceMetric Metric,
    double Threshold,
    double TargetFalseAcceptRate,
    double FalseAcceptRate,
    double FalseRejectRate,
    double Auroc,
    string FittedOn,
    int Way,
    int Shot,
    int Episodes,
    int Seed)
{
    /// <summary>
    /// The test-time augmentation the embeddings were averaged over (<see cref="Embeddings.TestTimeAugmentation"/>'s
    /// text, for example <c>shifts8</c>), or null for plain embeddings: a calibration applies only to the same.
    /// </summary>
    public string? TestTimeAugmentation { get; init; }
}
