using OneShot.Data.Downloads;
using OneShot.Embeddings;

namespace OneShot.Serialization;

/// <summary>Where <see cref="PretrainedModels"/> looks for and fetches model packages.</summary>
public sealed record PretrainedModelOptions
{
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
}
