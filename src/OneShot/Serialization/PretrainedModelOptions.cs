using OneShot.Data.Downloads;
using OneShot.Embeddings;

namespace OneShot.Serialization;

/// <summary>Where <see cref="PretrainedModels"/> looks for and fetches model packages.</summary>
public sealed record PretrainedModelOptions
{
    private readonly IReadOnlyList<StagePooling>? _pooling;
    private readonly float? _contentCropMargin;

    /// <summary>The NuGet packages folder searched first; null for <c>NUGET_PACKAGES</c> or <c>~/.nuget/packages</c>.</summary>
    public string? NuGetPackagesFolder { get; init; }

    /// <summary>The NuGet flat-container feed the .nupkg is downloaded from when not in the cache. Default nuget.org.</summary>
    public Uri? FlatContainer { get; init; }

    /// <summary>When false, a package missing from the NuGet cache is an error instead of a download. Default true.</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>The HTTP client for downloads (owned by the caller); null for a private one.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>Download progress, or null.</summary>
    public IProgress<DownloadProgress>? Progress { get; init; }

    /// <summary>Where the embedder runs.</summary>
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    /// <summary>
    /// What the ResNet-18's embedding is made of (<see cref="ResNet18Options.Pooling"/>); null for its own global
    /// average of <c>layer4</c> (512 values). For example <c>StagePooling.ParseList("layer3:4")</c> keeps where
    /// features are (4,096 values), which matches drawings of one subject by different artists better
    /// (docs/ACCURACY.md). The cached model folder is the same either way; only the returned embedder (or the
    /// imported folder's <c>model.json</c>) differs.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty, longer than 4, or its stages repeat or are out of order.</exception>
    public IReadOnlyList<StagePooling>? Pooling
    {
        get => _pooling;
        init => _pooling = value is null ? null : StagePooling.Validate(value);
    }

    /// <summary>
    /// Cut every image to its content before the model's preprocessing (<see cref="Data.ImagePreprocessing.ContentCropMargin"/>:
    /// the margin kept on each side, 0 to 0.45 of it); null for no crop. For icons, emoji, logos and cut-outs drawn at
    /// different sizes on a plain or transparent background. As with <see cref="Pooling"/>, the cached model folder is
    /// the same either way; only the returned embedder (or the imported folder's <c>model.json</c>) differs.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The margin is outside [0, 0.45].</exception>
    public float? ContentCropMargin
    {
        get => _contentCropMargin;
        init => _contentCropMargin = Data.ImagePreprocessing.CheckContentCropMargin(value);
    }
}
