namespace OneShot.Transfer;

/// <summary>The matrix file of a projection.</summary>
internal sealed record ProjectionWeightsJson
{
    /// <summary>A plain file name inside the folder.</summary>
    public required string File { get; init; }

    /// <summary>Lower-case hex SHA-256 of the file.</summary>
    public required string Sha256 { get; init; }
}
