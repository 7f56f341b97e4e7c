namespace OneShot.Serialization;

/// <summary>The <c>weights</c> object of <c>model.json</c>.</summary>
internal sealed record WeightsJson
{
    /// <summary>The format of the weights file; version 1 knows <see cref="TorchSharpStateDict"/> only.</summary>
    public const string TorchSharpStateDict = "torchsharp-state-dict";

    /// <summary>The weights file name, relative to the model directory.</summary>
    public required string File { get; init; }

    /// <summary>The weights file format.</summary>
    public required string Format { get; init; }

    /// <summary>The file length in bytes.</summary>
    public required long Bytes { get; init; }

    /// <summary>The SHA-256 of the file, lower-case hex.</summary>
    public required string Sha256 { get; init; }
}
