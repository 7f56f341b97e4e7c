using OneShot.Classification;

namespace OneShot.Service;

/// <summary>The prediction for one uploaded image.</summary>
/// <param name="File">The upload's file name.</param>
/// <param name="Label">The predicted label, or "unknown" when an open-set threshold rejected it.</param>
/// <param name="Confidence">The probability of the best candidate, in [0, 1].</param>
/// <param name="IsUnknown">Whether the open-set threshold rejected the best candidate.</param>
/// <param name="Score">The classifier's score of the best candidate (see <paramref name="ScoreKind"/>).</param>
/// <param name="ScoreKind">What the scores measure: Distance, NegativeLogLikelihood or PairProbability.</param>
/// <param name="TopK">The best candidates, best first.</param>
public sealed record ImagePrediction(string File, string Label, double Confidence, bool IsUnknown, double Score, string ScoreKind, IReadOnlyList<LabelScore> TopK)
{
    /// <summary>Describes <paramref name="prediction"/> for the upload named <paramref name="file"/>.</summary>
    public static ImagePrediction From(string file, Prediction prediction) => new(
        file, prediction.Label, prediction.Probability, prediction.IsUnknown, prediction.Score, prediction.ScoreKind.ToString(), prediction.TopK);
}
