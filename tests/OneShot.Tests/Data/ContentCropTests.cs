using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Tests.Embeddings;
using OneShot.Transfer;
using SkiaSharp;

namespace OneShot.Tests.Data;

/// <summary><see cref="ImagePreprocessing.ContentCropMargin"/>: images cut to their content and centred with a margin.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class ContentCropTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-content-crop");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static ImagePreprocessing Rgb(int size, float? margin) =>
        new() { Color = ColorMode.Rgb, Width = size, Height = size, ContentCropMargin = margin };

    /// <summary>A 40x20 PNG, transparent (or <paramref name="paper"/>) except a 10x6 red box whose top-left is (5, 3).</summary>
    private static byte[] BoxPng(SKColor paper) => TestImages.Encode(
        SKEncodedImageFormat.Png, 40, 20, (x, y) => x is >= 5 and < 15 && y is >= 3 and < 9 ? new SKColor(255, 0, 0) : paper);

    [Theory]
    [InlineData(0, 0, 0, 0)]       // transparent border
    [InlineData(255, 255, 255, 255)] // opaque white paper, the background colour
    public void LoadPixels_BoxOnTransparentOrBackground_CutToTheBoxAndCentredWithTheMargin(byte r, byte g, byte b, byte a)
    {
        // Content 10x6, margin 0.25: a 20x20 square (10 / (1 - 0.5)), the box at columns 5-14 and rows 7-12; loaded at
        // 20x20 the resize is the identity, so every pixel is known.
        var loader = new ImageLoader(Rgb(20, 0.25f));

        float[] pixels = loader.LoadPixels(BoxPng(new SKColor(r, g, b, a)), "box.png");

        for (int y = 0; y < 20; y++)
        {
            for (int x = 0; x < 20; x++)
            {
                bool box = x is >= 5 and < 15 && y is >= 7 and < 13;
                int i = (y * 20) + x;
                (pixels[i], pixels[400 + i], pixels[800 + i]).Should().Be(box ? (1f, 0f, 0f) : (1f, 1f, 1f), $"pixel ({x}, {y})");
            }
        }
    }

    [Fact]
    public void LoadPixels_SameDrawingAtTwoSizesAndOffsets_LoadTheSameWithTheCropAndDifferentlyWithout()
    {
        byte[] small = TestImages.Encode(SKEncodedImageFormat.Png, 64, 64, (x, y) => x is >= 10 and < 30 && y is >= 20 and < 40 ? (x < 20 ? SKColors.Blue : SKColors.Green) : SKColors.Transparent);
        byte[] large = TestImages.Encode(SKEncodedImageFormat.Png, 64, 64, (x, y) => x is >= 4 and < 64 && y is >= 2 and < 62 ? (x < 34 ? SKColors.Blue : SKColors.Green) : SKColors.Transparent);

        float[] a = new ImageLoader(Rgb(16, 0f)).LoadPixels(small, "small.png");
        float[] b = new ImageLoader(Rgb(16, 0f)).LoadPixels(large, "large.png");
        float[] plainA = new ImageLoader(Rgb(16, null)).LoadPixels(small, "small.png");
        float[] plainB = new ImageLoader(Rgb(16, null)).LoadPixels(large, "large.png");

        a.Zip(b, (p, q) => Math.Abs(p - q)).Max().Should().BeLessThan(0.1f, "a 20-pixel and a 60-pixel square of the same drawing fill the input alike (up to the resampling of the colour edge)");
        plainA.Zip(plainB, (p, q) => Math.Abs(p - q)).Max().Should().BeGreaterThan(0.5f, "without the crop they differ");
    }

    [Fact]
    public void LoadPixels_BlankImage_LoadsAsWithoutTheCrop()
    {
        byte[] blank = TestImages.Encode(SKEncodedImageFormat.Png, 30, 10, (_, _) => SKColors.Transparent);

        new ImageLoader(Rgb(8, 0.1f)).LoadPixels(blank, "blank.png").Should().Equal(new ImageLoader(Rgb(8, null)).LoadPixels(blank, "blank.png"));
    }

    [Fact]
    public void Grayscale_ContentDarkerThanWhitePaper_IsCut()
    {
        byte[] png = TestImages.GrayPng(40, 40, (x, y) => x is >= 30 and < 40 && y is >= 0 and < 10 ? (byte)0 : (byte)255);

        float[] pixels = new ImageLoader(new ImagePreprocessing { Width = 10, Height = 10, ContentCropMargin = 0f }).LoadPixels(png, "corner.png");

        pixels.Should().OnlyContain(v => v == 0f, "the dark 10x10 corner fills the whole input");
    }

    [Fact]
    public void CanonicalString_NamesTheMarginOnlyWhenSet()
    {
        Rgb(8, null).ToCanonicalString().Should().NotContain("content-crop", "older models keep their fingerprints");
        Rgb(8, 0.03125f).ToCanonicalString().Should().EndWith(";content-crop=0.03125");
        Rgb(8, 0.03125f).Should().NotBe(Rgb(8, null));
    }

    [Theory]
    [InlineData(-0.01f)]
    [InlineData(0.46f)]
    [InlineData(float.NaN)]
    public void ContentCropMargin_OutOfRange_ThrowsNamingIt(float margin)
    {
        var act = () => Rgb(8, margin);

        act.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "ContentCropMargin");
    }

    [Fact]
    public void ModelFile_SaveThenLoad_KeepsTheMarginAndAnInvalidOneIsNamed()
    {
        using var embedder = EmbedderTests.CreateSeeded(new EmbedderOptions { Preprocessing = new ImagePreprocessing { ContentCropMargin = 0.1f }, Device = DeviceChoice.Cpu });
        string dir = Path.Combine(_root, "model");
        ModelFile.Save(embedder, dir);

        using (var loaded = ModelFile.Load(dir, DeviceChoice.Cpu))
        {
            loaded.Preprocessing.ContentCropMargin.Should().Be(0.1f);
            loaded.GetFingerprint().Should().Be(embedder.GetFingerprint());
        }

        string json = Path.Combine(dir, ModelFile.MetadataFileName);
        File.WriteAllText(json, File.ReadAllText(json).Replace("\"contentCropMargin\": 0.1", "\"contentCropMargin\": 0.9", StringComparison.Ordinal));
        var act = () => ModelFile.Load(dir, DeviceChoice.Cpu);
        act.Should().Throw<ModelFormatException>().Where(e => e.FilePath == json).WithMessage("*preprocessing.contentCropMargin = 0.9*0 to 0.45*");
    }

    [Fact]
    public void Projection_OfACroppingBase_SavedAsFormat4AndLoadedOntoAPlainBaseCropsAgain()
    {
        var plain = new EmbedderOptions { Backbone = new ResNet18Options { BlocksPerStage = [1, 1, 1, 1] }, Preprocessing = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 32, Height = 32 }, Device = DeviceChoice.Cpu };
        string baseDir = Path.Combine(_root, "base"), projectionDir = Path.Combine(_root, "projection");
        using var network = EmbedderTests.CreateSeeded(plain);
        ModelFile.Save(network, baseDir);
        using var cropping = PretrainedModels.WithContentCrop(network, 0.05f);
        float[] identity = [.. Enumerable.Range(0, 512 * 512).Select(i => i / 512 == i % 512 ? 1f : 0f)];
        using var projection = new ProjectedEmbedder(cropping, identity, 512);

        projection.Save(projectionDir, baseDir);

        File.ReadAllText(Path.Combine(projectionDir, ProjectedEmbedder.MetadataFileName)).Should().Contain("\"formatVersion\": 4").And.Contain("\"baseContentCropMargin\": 0.05");
        using var loaded = ProjectedEmbedder.Load(projectionDir, path => ModelFile.Load(path, DeviceChoice.Cpu));
        loaded.Preprocessing.ContentCropMargin.Should().Be(0.05f);
        loaded.GetFingerprint().Should().Be(projection.GetFingerprint());
        using var uncropped = new ProjectedEmbedder(network, identity, 512);
        var act = () => uncropped.Save(projectionDir, baseDir);
        act.Should().Throw<IOException>().WithMessage("*already holds a different projection*", "the same matrix without the crop is another projection");
    }
}
