namespace OneShot.Classification;

/// <summary>A verification threshold and its error rates on the pairs it was calibrated on.</summary>
/// <param name="Threshold">Pairs with score &gt;= this are accepted as "same".</param>
/// <param name="FalseAcceptRate">The fraction of "different" pairs accepted at the threshold (NaN when unknown).</param>
/// <param name="FalseRejectRate">The fraction of "same" pairs rejected at the threshold (NaN when unknown).</param>
/// <param name="Method">How the threshold was chosen.</param>
public sealed record ThresholdCalibrationResult(
    double Threshold,
    double FalseAcceptRate,
    double FalseRejectRate,
    ThresholdCalibrationMethod Method);
