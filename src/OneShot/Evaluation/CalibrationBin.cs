namespace OneShot.Evaluation;

/// <summary>One confidence bin of a <see cref="ReliabilityDiagram"/>: the predictions whose confidence lies in (<see cref="Lower"/>, <see cref="Upper"/>].</summary>
/// <param name="Lower">The lower edge of the bin (exclusive, except 0 for the first bin).</param>
/// <param name="Upper">The upper edge of the bin (inclusive).</param>
/// <param name="Count">The number of predictions in the bin.</param>
/// <param name="MeanConfidence">The mean confidence of those predictions; 0 when the bin is empty.</param>
/// <param name="Accuracy">The fraction of those predictions that were right; 0 when the bin is empty.</param>
public sealed record CalibrationBin(double Lower, double Upper, int Count, double MeanConfidence, double Accuracy);
