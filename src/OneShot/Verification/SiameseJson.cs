namespace OneShot.Verification;

/// <summary>The optional <c>siamese</c> object of <c>model.json</c>: the pair head and the verification threshold of a Siamese model.</summary>
internal sealed record SiameseJson
{
    /// <summary>The head kind: <c>contrastive</c> or <c>koch</c>.</summary>
    public required string Head { get; init; }

    /// <summary>The contrastive margin; absent for a Koch head.</summary>
    public double? Margin { get; init; }

    /// <summary>The Koch head's weights, one per embedding value; absent for a contrastive head.</summary>
    public float[]? KochWeights { get; init; }

    /// <summary>The Koch head's bias; absent for a contrastive head.</summary>
    public float? KochBias { get; init; }

    /// <summary>Pairs with score &gt;= this are "same".</summary>
    public required double Threshold { get; init; }

    /// <summary>How the threshold was chosen: <c>default</c>, <c>equalErrorRate</c>, <c>falseAcceptRate</c> or <c>manual</c>.</summary>
    public required string ThresholdMethod { get; init; }

    /// <summary>The false-accept rate measured at calibration, if known.</summary>
    public double? FalseAcceptRate { get; init; }

    /// <summary>The false-reject rate measured at calibration, if known.</summary>
    public double? FalseRejectRate { get; init; }
}
