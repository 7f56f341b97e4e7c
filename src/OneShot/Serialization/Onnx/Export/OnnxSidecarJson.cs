namespace OneShot.Serialization.Onnx;

/// <summary>The JSON form of <see cref="OnnxSidecar"/>.</summary>
internal sealed record OnnxSidecarJson
{
    public required int FormatVersion { get; init; }

    public required string Input { get; init; }

    public required string Output { get; init; }

    public required PreprocessingJson Preprocessing { get; init; }

    public bool L2Normalize { get; init; }

    public int? EmbeddingSize { get; init; }

    public string? Architecture { get; init; }

    public string? Description { get; init; }
}
