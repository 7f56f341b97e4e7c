using OneShot.Cli;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Galleries;
using OneShot.Serialization;
using OneShot.Tests.Cli;

namespace OneShot.Tests.Data;

/// <summary>Issue 12 finding 4: limits a host sets on pixels, encoded bytes and batch memory, with typed errors naming the file, the limit and the value found.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class ImageLimitsTests : IDisposable
{
    private static readonly string ModelDir = Path.Combine(TestPaths.RepoRoot, "models", "omniglot-conv4");
    private readonly string _folder = TestPaths.NewTempFolder("oneshot-limits");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Load_FileOverMaxEncodedBytes_ThrowsTooLargeNamingFileLimitAndSize()
    {
        string path = WritePng("big.png", 64, 64);
        long size = new FileInfo(path).Length;
        var loader = new ImageLoader(new ImagePreprocessing { Limits = new ImageLimits { MaxEncodedBytes = size - 1 } });

        var error = FluentActions.Invoking(() => loader.LoadPixels(path)).Should().Throw<ImageDecodeException>().Which;

        error.Error.Should().Be(ImageDecodeError.TooLarge);
        error.SourceName.Should().Be(path);
        error.Message.Should().Be($"Image '{path}' is too large: the file holds {size} encoded bytes, expected at most {size - 1} (ImageLimits.MaxEncodedBytes).");
        new ImageLoader(new ImagePreprocessing { Limits = new ImageLimits { MaxEncodedBytes = size } }).LoadPixels(path).Should().HaveCount(28 * 28);
    }

    [Fact]
    public void LoadStream_OverMaxEncodedBytes_StopsReadingAndThrowsTooLarge()
    {
        byte[] png = TestImages.GrayPng(64, 64, (x, y) => (byte)(x * y));
        var loader = new ImageLoader(new ImagePreprocessing { Limits = new ImageLimits { MaxEncodedBytes = 100 } });
        using var stream = new MemoryStream(png);

        var error = FluentActions.Invoking(() => loader.LoadPixels(stream, "upload-7")).Should().Throw<ImageDecodeException>().Which;

        error.Error.Should().Be(ImageDecodeError.TooLarge);
        error.Message.Should().StartWith("Image 'upload-7' is too large: reading it passed ").And.EndWith(" encoded bytes, expected at most 100 (ImageLimits.MaxEncodedBytes).");
    }

    [Fact]
    public void Load_ImageOverLimitsMaxPixels_ThrowsTooLargeNamingDeclaredSizeAndLimit()
    {
        string path = WritePng("wide.png", 64, 32);
        var loader = new ImageLoader(new ImagePreprocessing { Limits = new ImageLimits { MaxPixels = 2047 } });

        var error = FluentActions.Invoking(() => loader.LoadPixels(path)).Should().Throw<ImageDecodeException>().Which;

        error.Error.Should().Be(ImageDecodeError.TooLarge);
        error.Message.Should().Be($"Image '{path}' is too large: its PNG header declares 64x32 = 2048 pixels, expected at most 2047 (ImageLimits.MaxPixels).");
    }

    [Fact]
    public void ImagePreprocessing_MaxPixelsAndLimits_AreOneSetting()
    {
        var p = new ImagePreprocessing { MaxPixels = 1000 };

        p.Limits.Should().Be(new ImageLimits { MaxPixels = 1000 });
        new ImagePreprocessing { Limits = new ImageLimits { MaxPixels = 5 } }.MaxPixels.Should().Be(5);
        new ImagePreprocessing().Limits.Should().Be(ImageLimits.Default);
        p.ToCanonicalString().Should().Be(new ImagePreprocessing().ToCanonicalString(), "limits are not part of a model's identity");
        p.Should().NotBe(new ImagePreprocessing());
    }

    [Theory]
    [InlineData(nameof(ImageLimits.MaxPixels))]
    [InlineData(nameof(ImageLimits.MaxEncodedBytes))]
    [InlineData(nameof(ImageLimits.MaxBatchBytes))]
    public void ImageLimits_ZeroLimit_ThrowsArgumentOutOfRangeNamingIt(string name)
    {
        Action act = name switch
        {
            nameof(ImageLimits.MaxPixels) => () => _ = new ImageLimits { MaxPixels = 0 },
            nameof(ImageLimits.MaxEncodedBytes) => () => _ = new ImageLimits { MaxEncodedBytes = 0 },
            _ => () => _ = new ImageLimits { MaxBatchBytes = 0 },
        };

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);
    }

    [Fact]
    public void ModelFileLoad_WithLimits_AppliesThemToTheGalleryAndKeepsTheFingerprint()
    {
        var limits = new ImageLimits { MaxPixels = 1000, MaxEncodedBytes = 1 << 20, MaxBatchBytes = 1 << 24 };
        using var limited = ModelFile.Load(ModelDir, new ModelLoadOptions { Device = DeviceChoice.Cpu, Limits = limits });
        using var plain = ModelFile.Load(ModelDir, DeviceChoice.Cpu);
        using var gallery = new Gallery(limited);
        string small = WritePng("small.png", 28, 28);
        string large = WritePng("large.png", 40, 40);

        limited.Preprocessing.Limits.Should().Be(limits);
        limited.GetFingerprint().Should().Be(plain.GetFingerprint());
        gallery.Enroll("a", small);
        var error = FluentActions.Invoking(() => gallery.Enroll("b", [small, large])).Should().Throw<ImageDecodeException>().Which;
        error.SourceName.Should().Be(large);
        error.Message.Should().Contain("40x40 = 1600 pixels, expected at most 1000 (ImageLimits.MaxPixels)");
        gallery.Count.Should().Be(1, "nothing of a failed batch is enrolled");
        FluentActions.Invoking(() => gallery.Classify(large)).Should().Throw<ImageDecodeException>().Which.Error.Should().Be(ImageDecodeError.TooLarge);
    }

    [Fact]
    public void FileEmbeddingPipeline_MaxBatchBytes_BoundsTheBatchAndKeepsTheEmbeddings()
    {
        using var plain = ModelFile.Load(ModelDir, DeviceChoice.Cpu);
        using var bounded = ModelFile.Load(ModelDir, new ModelLoadOptions { Device = DeviceChoice.Cpu, Limits = new ImageLimits { MaxBatchBytes = 10 * 28 * 28 * 4 } });
        string[] paths = [.. Enumerable.Range(0, 25).Select(i => WritePng($"p{i}.png", 30 + i, 28))];

        var pipeline = new FileEmbeddingPipeline(bounded);
        using var embeddings = pipeline.Embed(paths);
        using var expected = new FileEmbeddingPipeline(plain).Embed(paths);

        pipeline.BatchSize.Should().Be(10);
        new FileEmbeddingPipeline(plain).BatchSize.Should().Be(4096);
        embeddings.data<float>().ToArray().Should().Equal(expected.data<float>().ToArray());
    }

    [Fact]
    public async Task DecodeBudget_SecondReservationOverCapacity_WaitsForTheFirstRelease()
    {
        var budget = new DecodeBudget(100);
        var first = budget.Reserve(60);
        var second = Task.Run(() => budget.Reserve(60));

        (await Task.WhenAny(second, Task.Delay(300))).Should().NotBeSameAs(second, "60 + 60 bytes exceed the budget of 100");
        budget.Held.Should().Be(60);
        first.Dispose();
        (await Task.WhenAny(second, Task.Delay(10_000))).Should().BeSameAs(second);
        budget.Held.Should().Be(60);
        (await second).Dispose();
        budget.Reserve(500).Dispose(); // larger than the budget: granted alone
        budget.Held.Should().Be(0);
    }

    [Fact]
    public void Cli_EnrollWithMaxPixels_RefusesTheLargeImageNamingFileAndLimit()
    {
        string image = WritePng("photo.png", 64, 64);
        string gallery = Path.Combine(_folder, "g.gallery");

        var (code, _, error) = CliRunner.Invoke("enroll", gallery, image, "--label", "a", "--model", ModelDir, "--max-pixels", "4000");

        code.Should().Be(ExitCodes.Data);
        error.Should().Contain($"Image '{image}' is too large: its PNG header declares 64x64 = 4096 pixels, expected at most 4000 (ImageLimits.MaxPixels).");
        File.Exists(gallery).Should().BeFalse();
    }

    [Fact]
    public void Cli_ClassifyWithMaxImageBytes_RefusesTheLargeFile()
    {
        string image = WritePng("photo.png", 64, 64);
        string gallery = Path.Combine(_folder, "g.gallery");
        CliRunner.Invoke("enroll", gallery, image, "--label", "a", "--model", ModelDir).Code.Should().Be(ExitCodes.Success);

        var (code, _, error) = CliRunner.Invoke("classify", gallery, image, "--max-image-bytes", "10");

        code.Should().Be(ExitCodes.Data);
        error.Should().Contain($"Image '{image}' is too large: the file holds {new FileInfo(image).Length} encoded bytes, expected at most 10 (ImageLimits.MaxEncodedBytes).");
    }

    [Fact]
    public void Cli_ZeroMaxPixels_IsAUsageError()
    {
        string image = WritePng("photo.png", 8, 8);

        var (code, _, error) = CliRunner.Invoke("enroll", Path.Combine(_folder, "g.gallery"), image, "--label", "a", "--model", ModelDir, "--max-pixels", "0");

        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("--max-pixels must be a positive number; got 0.");
    }

    [Fact]
    public void SavedModel_WithLowerLimits_StoresThemAndEveryLoadAppliesThemUnlessTheHostSetsItsOwn()
    {
        using var plain = ModelFile.Load(ModelDir, DeviceChoice.Cpu);
        var own = new ImageLimits { MaxPixels = 1000, MaxBatchBytes = 1 << 24 };
        string model = Path.Combine(_folder, "limited-model");
        using (var limited = ModelFile.Load(ModelDir, new ModelLoadOptions { Device = DeviceChoice.Cpu, Limits = own }))
        {
            ModelFile.Save(limited, model);
        }

        string json = File.ReadAllText(Path.Combine(model, ModelFile.MetadataFileName));
        using var reloaded = ModelFile.Load(model, DeviceChoice.Cpu);
        using var hostOverride = ModelFile.Load(model, new ModelLoadOptions { Device = DeviceChoice.Cpu, Limits = ImageLimits.Default });
        string large = WritePng("large.png", 40, 40);

        json.Should().Contain("\"limits\": {").And.Contain("\"maxPixels\": 1000").And.Contain("\"maxBatchBytes\": 16777216").And.NotContain("maxEncodedBytes", "a default limit is not written");
        File.ReadAllText(Path.Combine(ModelDir, ModelFile.MetadataFileName)).Should().NotContain("limits", "models without limits of their own are unchanged");
        reloaded.Preprocessing.Limits.Should().Be(own);
        reloaded.GetFingerprint().Should().Be(plain.GetFingerprint(), "limits are not part of the model's identity");
        FluentActions.Invoking(() => new ImageLoader(reloaded.Preprocessing).LoadPixels(large)).Should().Throw<ImageDecodeException>()
            .WithMessage("*40x40 = 1600 pixels, expected at most 1000 (ImageLimits.MaxPixels)*");
        hostOverride.Preprocessing.Limits.Should().Be(ImageLimits.Default, "limits the host passes replace the model's");
        new ImageLoader(hostOverride.Preprocessing).LoadPixels(large).Should().HaveCount(28 * 28);
    }

    [Fact]
    public void SavedModel_LoadedWithRaisedLimits_DoesNotStoreTheHostsRaise()
    {
        var raised = new ImageLimits { MaxPixels = ImageLimits.DefaultMaxPixels * 4, MaxEncodedBytes = 1000 };
        string model = Path.Combine(_folder, "raised-model");
        using (var host = ModelFile.Load(ModelDir, new ModelLoadOptions { Device = DeviceChoice.Cpu, Limits = raised }))
        {
            ModelFile.Save(host, model);
        }

        using var reloaded = ModelFile.Load(model, DeviceChoice.Cpu);

        reloaded.Preprocessing.Limits.Should().Be(new ImageLimits { MaxEncodedBytes = 1000 }, "only limits below the defaults are the model's own");
    }

    [Theory]
    [InlineData("\"maxPixels\": 0", "*preprocessing.limits.maxPixels is 0; expected 1 to 67108864*")]
    [InlineData("\"maxEncodedBytes\": -5", "*preprocessing.limits.maxEncodedBytes is -5; expected 1 to 268435456*")]
    [InlineData("\"maxBatchBytes\": 1099511627776", "*preprocessing.limits.maxBatchBytes is 1099511627776; expected 1 to 1073741824 (a model may lower the library's default limit, not raise it*")]
    public void StoredLimits_OutOfRange_ThrowModelFormatExceptionNamingFileAndField(string field, string message)
    {
        string model = Path.Combine(_folder, "edited-model");
        Directory.CreateDirectory(model);
        foreach (string file in Directory.GetFiles(ModelDir))
        {
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        }

        string path = Path.Combine(model, ModelFile.MetadataFileName);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"invert\": true,", $"\"invert\": true,\n    \"limits\": {{ {field} }},", StringComparison.Ordinal));

        var error = FluentActions.Invoking(() => ModelFile.Load(model, DeviceChoice.Cpu)).Should().Throw<ModelFormatException>().Which;

        error.Message.Should().Match(message).And.Contain(path);
    }

    private string WritePng(string name, int width, int height)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, TestImages.GrayPng(width, height, (x, y) => (byte)((x * 7) + (y * 3))));
        return path;
    }
}
