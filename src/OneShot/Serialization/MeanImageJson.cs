namespace OneShot.Serialization;

/// <summary>The <c>preprocessing.meanImage</c> object of <c>model.json</c>: a float32 file in the model folder.</summary>
internal sealed record MeanImageJson
{
    /// <summary>The file name inside the model folder (<c>mean-image-&lt;sha256&gt;.bin</c>).</summary>
    public required string File { get; init; }

    /// <summary>Channels, height, width.</summary>
    public required int[] Shape { get; init; }

    /// <summary>The file's length in bytes.</summary>
    public required long Bytes { get; init; }

    /// <summary>The file's SHA-256, lower-case hex.</summary>
    public required string Sha256 { get; init; }
}
