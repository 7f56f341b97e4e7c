namespace OneShot.Transfer;

/// <summary>
/// The content of <c>projection.json</c> (camelCase, indented). Version 1; 2 when the base's last blocks were tuned;
/// 3 when the projection centres its input or re-pools its base (readers of 1 and 2 refuse it rather than ignore them).
/// </summary>
internal sealed record ProjectionJson
{
    /// <summary>The format version; readers refuse versions they do not know.</summary>
    public required int FormatVersion { get; init; }

    /// <summary>The base model: a pretrained model's name, an absolute path or a path relative to the folder.</summary>
    public required string Base { get; init; }

    /// <summary>The base's architecture when the projection was trained (information).</summary>
    public string? BaseArchitecture { get; init; }

    /// <summary>The base's weights hash when the projection was trained; loading checks it.</summary>
    public string? BaseWeightsSha256 { get; init; }

    /// <summary>The base's embedding length.</summary>
    public required int InputSize { get; init; }

    /// <summary>The projected embedding length.</summary>
    public required int OutputSize { get; init; }

    /// <summary>The matrix file, float32 row-major [OutputSize, InputSize], and its SHA-256.</summary>
    public required ProjectionWeightsJson Weights { get; init; }

    /// <summary>Version 2 only: the base's tuned blocks (TorchSharp state dict, keys of the base network) and their SHA-256, applied to the base on load.</summary>
    public ProjectionWeightsJson? TunedBase { get; init; }

    /// <summary>Version 3: the base embeddings' mean, float32 [InputSize], subtracted before projecting, and its SHA-256.</summary>
    public ProjectionWeightsJson? InputMean { get; init; }

    /// <summary>Version 3: the ResNet-18 stage pooling applied to the base after loading (<see cref="Embeddings.StagePooling.FormatList"/>), e.g. <c>layer3:4</c>.</summary>
    public string? BasePooling { get; init; }

    /// <summary>Version 4: the base's images are first cut to their content with this margin (<see cref="Data.ImagePreprocessing.ContentCropMargin"/>).</summary>
    public float? BaseContentCropMargin { get; init; }

    /// <summary>Free text.</summary>
    public string? Description { get; init; }

    /// <summary>Free-form facts about training.</summary>
    public Dictionary<string, string>? TrainingInfo { get; init; }
}
