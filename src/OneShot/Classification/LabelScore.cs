namespace OneShot.Classification;

/// <summary>One candidate class of a <see cref="Prediction"/>.</summary>
/// <param name="Label">The class label.</param>
/// <param name="Distance">
/// The distance from the query to the class: to its prototype for a prototype classifier, to its nearest
/// support example for a k-nearest-neighbour classifier.
/// </param>
/// <param name="Probability">The probability the classifier gives the class, in [0, 1]; over all classes they sum to 1.</param>
public sealed record LabelScore(string Label, double Distance, double Probability);
