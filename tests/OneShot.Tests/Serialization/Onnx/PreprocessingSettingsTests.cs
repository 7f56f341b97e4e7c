using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using SkiaSharp;

namespace OneShot.Tests.Serialization.Onnx;

/// <summary>The preprocessing settings as data: their effect on pixels and their round trip through model.json.</summary>
public sealed class PreprocessingSettingsTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-preprocessing");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void LoadPixels_BgrRange255AndMean_ReordersScalesAndSubtracts()
    {
        byte[] png = Png(1, 1, (_, _) => new SKColor(10, 20, 30));
        var loader = new ImageLoader(new ImagePreprocessing
        {
            Color = ColorMode.Rgb, Width = 1, Height = 1, ChannelOrder = ChannelOrder.Bgr, Range = PixelRange.ZeroTo255, Mean = [1f, 2f, 3f], Std = [1f, 2f, 1f],
        });

        float[] values = loader.LoadPixels(png, "pixel.png");

        values.Should().Equal(new[] { 29f, 9f, 7f }, (a, e) => Math.Abs(a - e) < 1e-4f);
    }

    [Fact]
    public void LoadPixels_TransparentImageOnBlackBackground_IsZero_OnWhiteIsOne()
    {
        byte[] png = Png(4, 4, (_, _) => new SKColor(200, 100, 50, 0));
        var onBlack = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 4, Height = 4, Background = RgbColor.Black };

        new ImageLoader(onBlack).LoadPixels(png, "clear.png").Should().OnlyContain(v => v == 0f);
        new ImageLoader(onBlack with { Background = RgbColor.White }).LoadPixels(png, "clear.png").Should().OnlyContain(v => v == 1f);
        new ImageLoader(onBlack with { Background = new RgbColor(255, 0, 0) }).LoadPixels(png, "clear.png").Should().Equal([.. Enumerable.Repeat(1f, 16), .. new float[32]]);
    }

    [Fact]
    public void LoadPixels_CenterCropOfWideImage_KeepsTheMiddleColumns()
    {
        // Columns: 2 red, 2 blue, 2 green; the centre 2x2 crop is the blue columns, no resize needed.
        byte[] png = Png(6, 2, (x, _) => x < 2 ? SKColors.Red : x < 4 ? SKColors.Blue : SKColors.Lime);
        var crop = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 2, Height = 2, Resize = ResizeMode.CenterCrop };

        new ImageLoader(crop).LoadPixels(png, "wide.png").Should().Equal(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 1f, 1f, 1f, 1f);
        float[] stretched = new ImageLoader(crop with { Resize = ResizeMode.Stretch }).LoadPixels(png, "wide.png");
        stretched[0].Should().BeGreaterThan(0.5f, "a plain resize squeezes the red columns into the left pixel");
    }

    [Fact]
    public void ImageLoader_MeanImageOfOtherSize_ThrowsNamingBothSizes()
    {
        var p = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 4, Height = 4, MeanImage = new MeanImage(new float[3 * 2 * 2], 3, 2, 2) };

        var act = () => new ImageLoader(p);

        act.Should().Throw<ArgumentException>().WithMessage("Preprocessing MeanImage is 3x2x2; expected 3x4x4 (channels x height x width of the model input).*");
    }

    [Fact]
    public void SaveLoad_CntkPresetWithMeanImage_RoundTripsEverySettingAndStoresTheMeanImageFile()
    {
        var mean = new MeanImage(Enumerable.Range(0, 3 * 32 * 32).Select(i => i * 0.5f).ToArray(), 3, 32, 32);
        var preprocessing = PreprocessingPresets.CntkResNet18(mean) with { Width = 32, Height = 32, Background = new RgbColor(1, 2, 3), CropFraction = 0.5f };
        string folder = Path.Combine(_root, "model");
        using (var embedder = Embedder.Create(new EmbedderOptions { Preprocessing = preprocessing, Device = DeviceChoice.Cpu }))
        {
            ModelFile.Save(embedder, folder);
        }

        var loaded = ModelFile.ReadMetadata(folder).Options.Preprocessing;

        loaded.Should().Be(preprocessing);
        loaded.MeanImage!.Values.Should().Equal(mean.Values);
        loaded.ToCanonicalString().Should().Be(
            $"color=Rgb;size=32x32;invert=False;mean=0;std=1;order=Bgr;range=ZeroTo255;resize=CenterCrop;crop=0.5;background=#010203;meanImage={mean.Sha256}");
        string json = File.ReadAllText(Path.Combine(folder, ModelFile.MetadataFileName));
        json.Should().Contain("\"channelOrder\": \"bgr\"").And.Contain("\"range\": \"0-255\"").And.Contain("\"resize\": \"center-crop\"")
            .And.Contain($"\"file\": \"mean-image-{mean.Sha256[..16]}.bin\"");
        new FileInfo(Path.Combine(folder, $"mean-image-{mean.Sha256[..16]}.bin")).Length.Should().Be(4 * 3 * 32 * 32);
    }

    [Fact]
    public void Load_MeanImageFileChanged_ThrowsModelFormatExceptionNamingTheFile()
    {
        var mean = new MeanImage(new float[3 * 32 * 32], 3, 32, 32);
        string folder = Path.Combine(_root, "model");
        using (var embedder = Embedder.Create(new EmbedderOptions { Preprocessing = PreprocessingPresets.CntkResNet18(mean) with { Width = 32, Height = 32 }, Device = DeviceChoice.Cpu }))
        {
            ModelFile.Save(embedder, folder);
        }

        string file = Directory.GetFiles(folder, "mean-image-*.bin").Single();
        byte[] bytes = File.ReadAllBytes(file);
        bytes[5] ^= 1;
        File.WriteAllBytes(file, bytes);

        var act = () => ModelFile.Load(folder, DeviceChoice.Cpu);

        act.Should().Throw<ModelFormatException>().Where(e => e.FilePath == file)
            .WithMessage($"Mean image file '{file}' has 12288 bytes with SHA-256 *, but model.json records 12288 bytes with SHA-256 {mean.Sha256}: the file was changed or the save was interrupted.");
    }

    [Fact]
    public void SaveLoad_DefaultPreprocessing_WritesNoNewFieldsAndKeepsTheOldCanonicalText()
    {
        string folder = Path.Combine(_root, "model");
        using (var embedder = Embedder.Create(new EmbedderOptions { Device = DeviceChoice.Cpu }))
        {
            ModelFile.Save(embedder, folder);
        }

        string json = File.ReadAllText(Path.Combine(folder, ModelFile.MetadataFileName));
        json.Should().NotContain("channelOrder").And.NotContain("range").And.NotContain("resize").And.NotContain("background").And.NotContain("meanImage");
        ModelFile.ReadMetadata(folder).Options.Preprocessing.ToCanonicalString().Should().Be("color=Grayscale;size=28x28;invert=False;mean=0;std=1");
    }

    [Fact]
    public void Load_ShippedModelWrittenBeforeTheNewFields_LoadsWithDefaults()
    {
        string shipped = Path.Combine(TestPaths.RepoRoot, "models", "omniglot-conv4");

        var p = ModelFile.ReadMetadata(shipped).Options.Preprocessing;

        p.ChannelOrder.Should().Be(ChannelOrder.Rgb);
        p.Range.Should().Be(PixelRange.ZeroToOne);
        p.Resize.Should().Be(ResizeMode.Stretch);
        p.Background.Should().Be(RgbColor.White);
        p.MeanImage.Should().BeNull();
    }

    [Fact]
    public void SaveLoad_ResNet18WithFourBlocksInLastStage_RoundTripsTheDepths()
    {
        string folder = Path.Combine(_root, "model");
        var backbone = new ResNet18Options { BlocksPerStage = [1, 1, 1, 3] };
        using (var embedder = Embedder.Create(new EmbedderOptions { Backbone = backbone, Preprocessing = new ImagePreprocessing { Width = 32, Height = 32 }, Device = DeviceChoice.Cpu }))
        {
            ModelFile.Save(embedder, folder);
        }

        using var loaded = ModelFile.Load(folder, DeviceChoice.Cpu);

        loaded.Options.Backbone.Should().Be(backbone);
        loaded.Options.Backbone.ToCanonicalString().Should().Be("blocks=1,1,1,3");
        loaded.Network.state_dict().Keys.Should().Contain("layer4.2.conv2.weight").And.NotContain("layer3.1.conv1.weight");
    }

    private static byte[] Png(int width, int height, Func<int, int, SKColor> color)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, color(x, y));
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
