namespace OneShot.Classification;

/// <summary>How a verification threshold was chosen.</summary>
public enum ThresholdCalibrationMethod
{
    /// <summary>Not calibrated: the head's default threshold (probability 0.5, or distance margin/2).</summary>
    Default,

    /// <summary>The equal error rate: false accepts as close as possible to false rejects.</summary>
    EqualErrorRate,

    /// <summary>The lowest threshold whose false-accept rate is at most a target.</summary>
    FalseAcceptRate,

    /// <summary>Set by hand.</summary>
    Manual,
}
