using OneShot.Data.Downloads;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization.Onnx;
using TorchSharp;

namespace OneShot.Serialization;

/// <summary>
/// Pretrained embedders one call away, built from model files that NuGet packages carry and saved as ordinary
/// OneShot model folders (loaded directly the next time).
/// </summary>
public static class PretrainedModels
{
    /// <summary>The model folder name <see cref="ImageNetResNet18Async"/> uses inside its cache folder.</summary>
    public const string ImageNetResNet18Name = "imagenet-resnet18";

    /// <summary>
    /// Where command-line tools and samples keep pretrained models built on first use: <c>$ONESHOT_MODELS</c> when set,
    /// else <c>OneShot/models</c> under the user's local application data (<c>~/.local/share/OneShot/models</c> on Linux).
    /// </summary>
    public static string DefaultCacheFolder =>
        Environment.GetEnvironmentVariable("ONESHOT_MODELS") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "OneShot", "models");

    internal const string ResNet18Entry = "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx";
    internal const string PreprocessEntry = "tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx";

    /// <summary>ML.NET's ImageNet ResNet-18 package (MIT), the source of <see cref="ImageNetResNet18Async"/>.</summary>
    internal static NuGetModelPackage ResNet18Package { get; } = new(
        "Microsoft.ML.DnnImageFeaturizer.ResNet18",
        "0.23.1",
        "7679c0f8832902d64019b7c8f79784d02bcbbce008d22a5249bdef8e8f45cb73",
        59500419);

    /// <summary>
    /// An ImageNet-pretrained ResNet-18 embedder (512-d features): ML.NET's CNTK ResNet-18 from the NuGet package
    /// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.23.1, imported from ONNX with its preprocessing (BGR,
    /// 0..255, minus the mean image). The model folder <c>cacheFolder/imagenet-resnet18</c> is loaded when it
    /// exists; otherwise it is built from the package in the NuGet cache or, when absent there, from the .nupkg
    /// downloaded from the feed and verified by SHA-256.
    /// </summary>
    /// <param name="cacheFolder">The folder holding the model folder (and the download while it is built).</param>
    /// <param name="options">Where to look and fetch; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <exception cref="DownloadException">The package is in no cache and could not be downloaded.</exception>
    /// <exception cref="ChecksumMismatchException">The download does not match the package's checksum.</exception>
    public static async Task<Embedder> ImageNetResNet18Async(string cacheFolder, PretrainedModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheFolder);
        options ??= new PretrainedModelOptions();
        string modelFolder = Path.Combine(cacheFolder, ImageNetResNet18Name);
        if (!File.Exists(Path.Combine(modelFolder, ModelFile.MetadataFileName)))
        {
            // The cache holds the network as published: a pooling or crop asked for now must not become every later
            // caller's default.
            var plain = options with { Pooling = null, ContentCropMargin = null };
            await ImportImageNetResNet18Async(modelFolder, Path.Combine(cacheFolder, "downloads"), plain, cancellationToken).ConfigureAwait(false);
        }

        var embedder = ModelFile.Load(modelFolder, options.Device);
        if (options.Pooling is null && options.ContentCropMargin is null)
        {
            return embedder;
        }

        using (embedder)
        {
            return Adapted(embedder, options.Pooling, options.ContentCropMargin);
        }
    }

    /// <summary>
    /// A new embedder with <paramref name="source"/>'s weights, preprocessing and device and the ResNet-18 pooling
    /// <paramref name="pooling"/> (the weights do not depend on it); <paramref name="source"/> is not changed.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is not a ResNet-18.</exception>
    internal static Embedder WithPooling(Embedder source, IReadOnlyList<StagePooling> pooling) => Adapted(source, pooling, null);

    /// <summary>
    /// A new embedder with <paramref name="source"/>'s weights and options whose images are first cut to their content
    /// (<see cref="ImagePreprocessing.ContentCropMargin"/> = <paramref name="margin"/>); <paramref name="source"/> is not changed.
    /// </summary>
    internal static Embedder WithContentCrop(Embedder source, float margin) => Adapted(source, null, margin);

    /// <summary>
    /// A new embedder with <paramref name="source"/>'s weights and options, the ResNet-18 pooling replaced when
    /// <paramref name="pooling"/> is given and the content crop when <paramref name="margin"/> is; <paramref name="source"/> is not changed.
    /// </summary>
    /// <exception cref="ArgumentException">A pooling is given and <paramref name="source"/> is not a ResNet-18.</exception>
    internal static Embedder Adapted(Embedder source, IReadOnlyList<StagePooling>? pooling, float? margin)
    {
        var options = source.Options;
        if (pooling is not null)
        {
            var resnet = options.Backbone as ResNet18Options
                ?? throw new ArgumentException($"A pooling applies to ResNet-18 embedders; this one is {source.Architecture}.", nameof(source));
            options = options with { Backbone = resnet with { Pooling = pooling } };
        }

        if (margin is not null)
        {
            options = options with { Preprocessing = options.Preprocessing with { ContentCropMargin = margin } };
        }

        return Rebuilt(source, options);
    }

    /// <summary>A new embedder built from <paramref name="options"/> holding <paramref name="source"/>'s weights.</summary>
    private static Embedder Rebuilt(Embedder source, EmbedderOptions options)
    {
        var target = Embedder.Create(options);
        try
        {
            using (torch.no_grad())
            {
                target.Network.load_state_dict(source.Network.state_dict());
            }

            target.NotifyWeightsChanged();
            return target;
        }
        catch
        {
            target.Dispose();
            throw;
        }
    }

    /// <summary>The synchronous form of <see cref="ImageNetResNet18Async"/>.</summary>
    /// <param name="cacheFolder">The folder holding the model folder.</param>
    /// <param name="options">Where to look and fetch; null for the defaults.</param>
    public static Embedder ImageNetResNet18(string cacheFolder, PretrainedModelOptions? options = null) =>
        ImageNetResNet18Async(cacheFolder, options).GetAwaiter().GetResult();

    /// <summary>
    /// Builds the ImageNet ResNet-18 model folder <paramref name="modelFolder"/> from the NuGet package (cache or
    /// download into <paramref name="downloadFolder"/>) and returns the import report.
    /// </summary>
    /// <param name="modelFolder">The model folder to write.</param>
    /// <param name="downloadFolder">Where the .nupkg is downloaded and unpacked when it is not in the NuGet cache.</param>
    /// <param name="options">Where to look and fetch; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    public static async Task<OnnxImportReport> ImportImageNetResNet18Async(
        string modelFolder,
        string downloadFolder,
        PretrainedModelOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelFolder);
        ArgumentException.ThrowIfNullOrEmpty(downloadFolder);
        options ??= new PretrainedModelOptions();
        string packageFolder = await LocateAsync(ResNet18Package, [ResNet18Entry, PreprocessEntry], downloadFolder, options, cancellationToken).ConfigureAwait(false);
        var meanImage = OnnxPreprocessing.ReadMeanImage(Path.Combine(packageFolder, PreprocessEntry));
        string onnx = Path.Combine(packageFolder, ResNet18Entry);
        using var imported = OnnxImport.CreateResNet18(onnx, PreprocessingPresets.CntkResNet18(meanImage), DeviceChoice.Cpu);
        var report = OnnxImport.LoadResNet18(imported, onnx);
        using var adapted = options.Pooling is null && options.ContentCropMargin is null ? null : Adapted(imported, options.Pooling, options.ContentCropMargin);
        var embedder = adapted ?? imported;
        ModelFile.Save(
            embedder,
            modelFolder,
            $"ImageNet ResNet-18 (CNTK, blocks {string.Join(",", report.BlocksPerStage)}) from the NuGet package {ResNet18Package.Id} {ResNet18Package.Version} (MIT), imported from ONNX.",
            new Dictionary<string, string>
            {
                ["source"] = $"nuget:{ResNet18Package.Id}/{ResNet18Package.Version}/{ResNet18Entry}",
                ["preprocessing"] = $"nuget:{ResNet18Package.Id}/{ResNet18Package.Version}/{PreprocessEntry}",
            });
        return report;
    }

    /// <summary>The folder holding <paramref name="entries"/> of <paramref name="package"/>: the NuGet cache's, or a download's.</summary>
    internal static async Task<string> LocateAsync(
        NuGetModelPackage package,
        IReadOnlyList<string> entries,
        string downloadFolder,
        PretrainedModelOptions options,
        CancellationToken cancellationToken)
    {
        string packages = options.NuGetPackagesFolder ?? NuGetModelPackage.DefaultPackagesFolder();
        if (package.FindInCache(packages, entries) is { } cached)
        {
            return cached;
        }

        if (!options.AllowDownload)
        {
            throw new DownloadException(
                package.UrlIn(options.FlatContainer ?? NuGetModelPackage.NuGetOrgFlatContainer),
                null,
                $"Package {package.Id} {package.Version} is not in the NuGet cache '{packages}' and downloads are off; restore it (dotnet restore of a project referencing it) or allow the download.");
        }

        using var own = options.HttpClient is null ? new HttpClient() : null;
        return await package.DownloadAsync(
            options.HttpClient ?? own!,
            options.FlatContainer ?? NuGetModelPackage.NuGetOrgFlatContainer,
            downloadFolder,
            entries,
            options.Progress,
            cancellationToken).ConfigureAwait(false);
    }
}
