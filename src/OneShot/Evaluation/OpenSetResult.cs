namespace OneShot.Evaluation;

/// <summary>
/// How well a few-shot method tells queries of its support classes ("known") from queries of held-out classes
/// ("unknown") by the best candidate's score, measured over open-set episodes (see <see cref="EpisodeEvaluationOptions.UnknownWay"/>).
/// </summary>
/// <param name="Auroc">
/// The area under the ROC curve of known versus unknown, 0..1: the probability that a random known query's best score
/// is better than a random unknown query's (ties count half). 0.5 is chance, 1 a perfect separation.
/// </param>
/// <param name="KnownQueries">The number of known queries scored.</param>
/// <param name="UnknownQueries">The number of unknown queries scored.</param>
/// <param name="Threshold">The classifier's <see cref="Classification.ClassifierOptions.UnknownThreshold"/>; null when none is set.</param>
/// <param name="FalseAcceptRate">At <paramref name="Threshold"/>: the fraction of unknown queries accepted as a known class; null without a threshold.</param>
/// <param name="FalseRejectRate">At <paramref name="Threshold"/>: the fraction of known queries rejected as unknown; null without a threshold.</param>
public sealed record OpenSetResult(double Auroc, int KnownQueries, int UnknownQueries, double? Threshold, double? FalseAcceptRate, double? FalseRejectRate);
