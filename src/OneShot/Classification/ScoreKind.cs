namespace OneShot.Classification;

/// <summary>What the <see cref="Prediction.Score"/> and <see cref="LabelScore.Score"/> of a classifier measure.</summary>
/// <remarks>
/// The open-set threshold (<see cref="ClassifierOptions.UnknownThreshold"/>) is compared with the best candidate's score:
/// a query is unknown when that score is worse than the threshold, that is above it for the lower-is-better kinds
/// (<see cref="Distance"/>, <see cref="NegativeLogLikelihood"/>) and below it for <see cref="PairProbability"/>.
/// </remarks>
public enum ScoreKind
{
    /// <summary>A distance in the classifier's metric (lower is better), for example to the class prototype.</summary>
    Distance = 0,

    /// <summary>The cross-entropy <c>−log p</c> of the class at temperature 1 (lower is better): linear heads.</summary>
    NegativeLogLikelihood = 1,

    /// <summary>A pair head's probability in [0, 1] that the query and the class's best support example show the same class (higher is better).</summary>
    PairProbability = 2,
}
