using OneShot.Evaluation;

namespace OneShot.TransferVsFineTune;

/// <summary>What one method scored over all draws.</summary>
/// <param name="Name">The row name.</param>
/// <param name="Idea">Which idea it is and what it trains.</param>
/// <param name="Accuracy">Accuracy over the draws, mean and 95 % confidence interval.</param>
/// <param name="MedianSeconds">The median time of one draw: learning from the support and predicting every query.</param>
public sealed record MethodResult(string Name, string Idea, ConfidenceInterval Accuracy, double MedianSeconds);

/// <summary>The whole comparison.</summary>
/// <param name="Data">Where the classes came from.</param>
/// <param name="Way">Classes per task.</param>
/// <param name="Shot">Examples per class.</param>
/// <param name="Queries">Queries per class.</param>
/// <param name="Draws">Random support draws.</param>
/// <param name="Methods">One row per method, in table order.</param>
public sealed record ComparisonResult(string Data, int Way, int Shot, int Queries, int Draws, IReadOnlyList<MethodResult> Methods);
