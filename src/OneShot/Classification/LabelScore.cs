namespace OneShot.Classification;

/// <summary>One candidate class of a <see cref="Prediction"/>.</summary>
/// <param name="Label">The class label.</param>
/// <param name="Score">
/// The classifier's score of the class, of the kind <see cref="Prediction.ScoreKind"/> says: a distance (to the class
/// prototype, or to its nearest support example for k-NN), a cross-entropy, or a pair probability.
/// </param>
/// <param name="Probability">The probability the classifier gives the class, in [0, 1]; over all classes they sum to 1.</param>
public sealed record LabelScore(string Label, double Score, double Probability);
