using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization.Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace OneShot.Tests.Serialization.Onnx;

/// <summary>The CNTK preset against ML.NET's own preprocessing graph (ResNetPreprocess.onnx) run by ONNX Runtime.</summary>
public sealed class OnnxPreprocessingTests
{
    /// <summary>What ML.NET feeds the preprocessing graph: RGB planes in 0..255 at 224x224.</summary>
    private static readonly ImagePreprocessing RgbBytes = new()
    {
        Color = ColorMode.Rgb,
        Width = 224,
        Height = 224,
        Resize = ResizeMode.CenterCrop,
        Range = PixelRange.ZeroTo255,
    };

    private readonly ITestOutputHelper _output;

    public OnnxPreprocessingTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void ReadMeanImage_RealPreprocessGraph_Is3x224x224WithBgrChannelMeans()
    {
        var mean = OnnxPreprocessing.ReadMeanImage(CntkResNet18Package.PreprocessPath);

        (mean.Channels, mean.Height, mean.Width).Should().Be((3, 224, 224));
        _output.WriteLine($"channel means B {mean.ChannelMean(0):F3}, G {mean.ChannelMean(1):F3}, R {mean.ChannelMean(2):F3}");
        mean.ChannelMean(0).Should().BeApproximately(103.06f, 0.01f);
        mean.ChannelMean(1).Should().BeApproximately(115.90f, 0.01f);
        mean.ChannelMean(2).Should().BeApproximately(123.15f, 0.01f);
    }

    [Fact]
    public void ReadMeanImage_ResNetModelInsteadOfPreprocessing_ThrowsNamingTheNodesFound()
    {
        var act = () => OnnxPreprocessing.ReadMeanImage(CntkResNet18Package.ModelPath);

        act.Should().Throw<OnnxImportException>().WithMessage("*expected Split (of the input into R, G, B), Concat (B, G, R) and Sub (a mean image).");
    }

    [Fact]
    public void CntkPreset_GeneratedPictureWithAlpha_EqualsResNetPreprocessOnnxWithin1e4()
    {
        double error = CompareWithOnnxRuntime(TestImages.GeneratedPng(), "generated.png");

        error.Should().BeLessThan(1e-4);
    }

    [Fact]
    [Trait("Category", TestPaths.SharedDataTrait)]
    public void CntkPreset_RealEmojiImages_EqualResNetPreprocessOnnxWithin1e4()
    {
        foreach (string entry in new[] { "google/1F600.png", "twitter/1F600.png", "google/2615.png" })
        {
            CompareWithOnnxRuntime(TestImages.Emoji(entry), entry).Should().BeLessThan(1e-4);
        }
    }

    [Fact]
    [Trait("Category", TestPaths.SharedDataTrait)]
    public void ImportedEmbedder_RealEmoji_EqualsOnnxRuntimePreprocessingThenResNet18Within1e4()
    {
        var meanImage = OnnxPreprocessing.ReadMeanImage(CntkResNet18Package.PreprocessPath);
        using var embedder = OnnxImport.CreateResNet18(CntkResNet18Package.ModelPath, PreprocessingPresets.CntkResNet18(meanImage), DeviceChoice.Cpu);
        byte[] png = TestImages.Emoji("twitter/1F600.png");

        float[] rgb = new ImageLoader(RgbBytes).LoadPixels(png, "twitter/1F600.png");
        float[] preprocessed = OnnxRuntimeReference.Run(CntkResNet18Package.PreprocessPath, rgb, [1, 3, 224, 224]);
        float[] expected = OnnxRuntimeReference.Run(CntkResNet18Package.ModelPath, preprocessed, [1, 3, 224, 224]);
        float[] actual;
        using (var scope = NewDisposeScope())
        {
            actual = embedder.Embed(new ImageLoader(embedder.Preprocessing).Load(png, "twitter/1F600.png").unsqueeze(0)).data<float>().ToArray();
        }

        double error = OnnxRuntimeReference.MaxRelativeError(actual, expected);
        _output.WriteLine($"image file -> 512-d feature, OneShot vs ONNX Runtime (both graphs): max relative error {error:E2}");
        error.Should().BeLessThan(1e-4);
    }

    private double CompareWithOnnxRuntime(byte[] png, string name)
    {
        var meanImage = OnnxPreprocessing.ReadMeanImage(CntkResNet18Package.PreprocessPath);
        float[] rgb = new ImageLoader(RgbBytes).LoadPixels(png, name);
        float[] expected = OnnxRuntimeReference.Run(CntkResNet18Package.PreprocessPath, rgb, [1, 3, 224, 224]);

        float[] actual = new ImageLoader(PreprocessingPresets.CntkResNet18(meanImage)).LoadPixels(png, name);

        double error = OnnxRuntimeReference.MaxRelativeError(actual, expected);
        _output.WriteLine($"{name}: OneShot's CNTK preset vs ResNetPreprocess.onnx in ONNX Runtime: max relative error {error:E2}, max abs {actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max():E2}");
        rgb.Should().Contain(v => v > 200f).And.Contain(v => v < 150f, "the picture has light and dark pixels in 0..255");
        return error;
    }
}
