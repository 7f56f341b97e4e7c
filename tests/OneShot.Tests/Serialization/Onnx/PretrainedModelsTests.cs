using System.IO.Compression;
using System.Security.Cryptography;
using OneShot.Data.Downloads;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Serialization.Onnx;
using OneShot.Tests.Cli;
using static TorchSharp.torch;

namespace OneShot.Tests.Serialization.Onnx;

/// <summary>PretrainedModels and <c>oneshot import-onnx</c>: from the NuGet cache, or downloaded from a feed (a loopback server here).</summary>
[Collection(TorchGlobalState.Name)]
public sealed class PretrainedModelsTests : IDisposable
{
    private const string PackagePath = "v3-flatcontainer/microsoft.ml.dnnimagefeaturizer.resnet18/0.23.1/microsoft.ml.dnnimagefeaturizer.resnet18.0.23.1.nupkg";
    private readonly string _root = TestPaths.NewTempFolder("oneshot-pretrained");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task LocateAsync_PackageNotInCache_DownloadsVerifiesAndUnpacksTheEntries()
    {
        byte[] nupkg = SmallNupkg(out var entries);
        var package = new NuGetModelPackage("Test.Models", "1.2.3", Convert.ToHexStringLower(SHA256.HashData(nupkg)), nupkg.Length);
        using var feed = new LoopbackFeed(new() { ["v3-flatcontainer/test.models/1.2.3/test.models.1.2.3.nupkg"] = nupkg });
        using var http = new HttpClient();
        var options = new PretrainedModelOptions { NuGetPackagesFolder = Directory.CreateDirectory(Path.Combine(_root, "empty-cache")).FullName, FlatContainer = feed.BaseUri, HttpClient = http };

        string folder = await PretrainedModels.LocateAsync(package, [.. entries.Keys], Path.Combine(_root, "downloads"), options, CancellationToken.None);

        foreach (var (entry, content) in entries)
        {
            File.ReadAllBytes(Path.Combine(folder, entry)).Should().Equal(content);
        }

        feed.Requests.Should().Be(1);
    }

    [Fact]
    public async Task LocateAsync_DownloadWithOtherChecksum_ThrowsChecksumMismatch()
    {
        byte[] nupkg = SmallNupkg(out var entries);
        var package = new NuGetModelPackage("Test.Models", "1.2.3", new string('0', 64), null);
        using var feed = new LoopbackFeed(new() { ["v3-flatcontainer/test.models/1.2.3/test.models.1.2.3.nupkg"] = nupkg });
        using var http = new HttpClient();
        var options = new PretrainedModelOptions { NuGetPackagesFolder = _root, FlatContainer = feed.BaseUri, HttpClient = http };

        var act = () => PretrainedModels.LocateAsync(package, [.. entries.Keys], Path.Combine(_root, "downloads"), options, CancellationToken.None);

        await act.Should().ThrowAsync<ChecksumMismatchException>();
        Directory.Exists(Path.Combine(_root, "downloads", "test.models.1.2.3")).Should().BeFalse("nothing unverified is unpacked");
    }

    [Fact]
    public async Task LocateAsync_NotInCacheAndDownloadsOff_ThrowsDownloadExceptionNamingTheCache()
    {
        var options = new PretrainedModelOptions { NuGetPackagesFolder = _root, AllowDownload = false };

        var act = () => PretrainedModels.LocateAsync(PretrainedModels.ResNet18Package, [PretrainedModels.ResNet18Entry], _root, options, CancellationToken.None);

        (await act.Should().ThrowAsync<DownloadException>()).WithMessage($"Package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 is not in the NuGet cache '{_root}' and downloads are off*");
    }

    [Fact]
    public async Task ImageNetResNet18Async_RealPackageServedByLoopbackFeed_BuildsAModelFolderThatLoadsNextTimeWithoutTheFeed()
    {
        string cached = Path.Combine(CntkResNet18Package.Root, "microsoft.ml.dnnimagefeaturizer.resnet18.0.23.1.nupkg");
        using var feed = new LoopbackFeed(new() { [PackagePath] = File.ReadAllBytes(cached) });
        using var http = new HttpClient();
        var options = new PretrainedModelOptions { NuGetPackagesFolder = Path.Combine(_root, "no-cache"), FlatContainer = feed.BaseUri, HttpClient = http, Device = DeviceChoice.Cpu };

        using (var embedder = await PretrainedModels.ImageNetResNet18Async(_root, options))
        {
            embedder.EmbeddingSize.Should().Be(512);
            embedder.Options.Backbone.Should().Be(new ResNet18Options { BlocksPerStage = [2, 2, 2, 3] });
            embedder.Preprocessing.MeanImage!.Sha256.Should().Be(OnnxPreprocessing.ReadMeanImage(CntkResNet18Package.PreprocessPath).Sha256);
        }

        feed.Requests.Should().Be(1);
        ModelFile.ReadMetadata(Path.Combine(_root, "imagenet-resnet18")).TrainingInfo["source"]
            .Should().Be("nuget:Microsoft.ML.DnnImageFeaturizer.ResNet18/0.23.1/tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx");
        using var again = PretrainedModels.ImageNetResNet18(_root, options with { AllowDownload = false, NuGetPackagesFolder = Path.Combine(_root, "no-cache") });
        feed.Requests.Should().Be(1, "the saved model folder is loaded, nothing fetched");
        again.EmbeddingSize.Should().Be(512);
    }

    [Fact]
    public void ImageNetResNet18_FirstAskedWithAGridAndACrop_CachesThePlainNetworkForLaterCallers()
    {
        // The first call builds the cache folder; its pooling and crop are the caller's, not the cache's.
        string packages = Path.GetDirectoryName(Path.GetDirectoryName(CntkResNet18Package.Root))!;
        var options = new PretrainedModelOptions { NuGetPackagesFolder = packages, AllowDownload = false, Device = DeviceChoice.Cpu };
        using (var grid = PretrainedModels.ImageNetResNet18(_root, options with { Pooling = StagePooling.ParseList("layer3:4"), ContentCropMargin = 0.03125f }))
        {
            grid.EmbeddingSize.Should().Be(4096);
            grid.Preprocessing.ContentCropMargin.Should().Be(0.03125f);
        }

        var cached = ModelFile.ReadMetadata(Path.Combine(_root, PretrainedModels.ImageNetResNet18Name)).Options;
        cached.Backbone.Should().BeOfType<ResNet18Options>().Which.Pooling.Should().Equal(StagePooling.Default);
        cached.Preprocessing.ContentCropMargin.Should().BeNull();
        using var plain = PretrainedModels.ImageNetResNet18(_root, options);
        plain.EmbeddingSize.Should().Be(512);
        plain.Preprocessing.ContentCropMargin.Should().BeNull();
        FluentActions.Invoking(() => options with { ContentCropMargin = 0.5f }).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*ContentCropMargin*[0, 0.45]*");
    }

    [Fact]
    public void ImportOnnxCommand_ContentCrop_StoresTheMarginAndRefusesOneOutOfRange()
    {
        string output = Path.Combine(_root, "cropped");
        var (code, stdout, stderr) = CliRunner.Invoke(
            "import-onnx", CntkResNet18Package.ModelPath, "--out", output, "--preset", "cntk-resnet18", "--pooling", "layer3:2", "--content-crop", "0.0625");

        code.Should().Be(0, stderr);
        stdout.Should().Contain("content-crop=0.0625");
        var options = ModelFile.ReadMetadata(output).Options;
        options.Preprocessing.ContentCropMargin.Should().Be(0.0625f);
        options.Backbone.Should().BeOfType<ResNet18Options>().Which.Pooling.Should().Equal(StagePooling.ParseList("layer3:2"));

        (code, _, stderr) = CliRunner.Invoke("import-onnx", CntkResNet18Package.ModelPath, "--out", Path.Combine(_root, "bad"), "--content-crop", "0.5");
        code.Should().Be(1);
        stderr.Should().Contain("--content-crop must be a margin from 0 to 0.45 of the side; got 0.5");
        Directory.Exists(Path.Combine(_root, "bad")).Should().BeFalse();
    }

    [Fact]
    public void ImportOnnxCommand_CntkFileWithPreset_SavesAModelThatEmbedsLikeTheDirectImport()
    {
        string output = Path.Combine(_root, "cntk");
        var (code, stdout, stderr) = CliRunner.Invoke(
            "import-onnx", CntkResNet18Package.ModelPath, "--out", output, "--preset", "cntk-resnet18", "--preprocess-onnx", CntkResNet18Package.PreprocessPath);

        code.Should().Be(0, stderr);
        stdout.Should().Contain("Imported 22 convolutions (blocks per stage 2,2,2,3) from").And.Contain("(CNTK");
        stdout.Should().Contain("pads [3,3,2,2] equal symmetric padding 3");
        using var loaded = ModelFile.Load(output, DeviceChoice.Cpu);
        using var direct = OnnxImport.CreateResNet18(CntkResNet18Package.ModelPath, loaded.Preprocessing, DeviceChoice.Cpu);
        loaded.GetFingerprint().Should().Be(direct.GetFingerprint());
    }

    [Fact]
    public void ImportOnnxCommand_ImageNetShortcutOffline_UsesTheNuGetCache()
    {
        string output = Path.Combine(_root, "imagenet-resnet18");
        string? previous = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        Environment.SetEnvironmentVariable("NUGET_PACKAGES", Path.GetDirectoryName(Path.GetDirectoryName(CntkResNet18Package.Root)));
        try
        {
            var (code, stdout, stderr) = CliRunner.Invoke("import-onnx", "--imagenet-resnet18", "--offline", "--out", output);

            code.Should().Be(0, stderr);
            stdout.Should().Contain("Imported 22 convolutions").And.Contain("preprocessing color=Rgb;size=224x224");
            ModelFile.ReadMetadata(output).Options.Preprocessing.ChannelOrder.Should().Be(ChannelOrder.Bgr);
        }
        finally
        {
            Environment.SetEnvironmentVariable("NUGET_PACKAGES", previous);
        }
    }

    [Fact]
    public void ImportOnnxCommand_NoFileAndNoShortcut_ExitsWithUsageError()
    {
        var (code, _, stderr) = CliRunner.Invoke("import-onnx", "--out", Path.Combine(_root, "x"));

        code.Should().Be(1);
        stderr.Should().Contain("Give an .onnx file, or --imagenet-resnet18.");
    }

    private static byte[] SmallNupkg(out Dictionary<string, byte[]> entries)
    {
        entries = new()
        {
            [PretrainedModels.ResNet18Entry] = [1, 2, 3, 4, 5],
            [PretrainedModels.PreprocessEntry] = [9, 8, 7],
        };
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(content);
            }
        }

        return buffer.ToArray();
    }
}
