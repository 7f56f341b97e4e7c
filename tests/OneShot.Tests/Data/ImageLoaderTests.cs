using OneShot.Data;
using SkiaSharp;
using TorchSharp;

namespace OneShot.Tests.Data;

public sealed class ImageLoaderTests
{
    private static readonly SKColor Black = new(0, 0, 0);
    private static readonly SKColor White = new(255, 255, 255);

    [Theory]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public void Load_LosslessLeftBlackRightWhite_GivesExactZerosAndOnes(SKEncodedImageFormat format)
    {
        byte[] data = TestImages.Encode(format, 8, 4, (x, _) => x < 4 ? Black : White);
        var loader = new ImageLoader(new ImagePreprocessing { Width = 8, Height = 4 });

        using var tensor = loader.Load(data, "pattern");

        tensor.shape.Should().Equal(1, 4, 8);
        tensor.dtype.Should().Be(torch.ScalarType.Float32);
        float[] v = tensor.data<float>().ToArray();
        for (int y = 0; y < 4; y++)
        {
            v.AsSpan(y * 8, 4).ToArray().Should().AllSatisfy(p => p.Should().Be(0f));
            v.AsSpan((y * 8) + 4, 4).ToArray().Should().AllSatisfy(p => p.Should().Be(1f));
        }
    }

    [Fact]
    public void Load_JpegLeftBlackRightWhite_GivesLowLeftHighRight()
    {
        byte[] data = TestImages.Encode(SKEncodedImageFormat.Jpeg, 32, 32, (x, _) => x < 16 ? Black : White, quality: 95);
        var loader = new ImageLoader(new ImagePreprocessing { Width = 32, Height = 32 });

        float[] v = loader.LoadPixels(data, "pattern.jpg");

        v.Should().HaveCount(32 * 32);
        for (int y = 0; y < 32; y += 5)
        {
            v[(y * 32) + 4].Should().BeLessThan(0.05f);
            v[(y * 32) + 27].Should().BeGreaterThan(0.95f);
        }
    }

    [Fact]
    public void Load_Bmp_GivesColoursTopRowFirst()
    {
        // Top row red, bottom row blue; BMP stores rows bottom-up, so a flipped decode would swap them.
        byte[] data = TestImages.Bmp(3, 2, (_, y) => y == 0 ? new SKColor(255, 0, 0) : new SKColor(0, 0, 255));
        var loader = new ImageLoader(new ImagePreprocessing { Color = ColorMode.Rgb, Width = 3, Height = 2 });

        using var tensor = loader.Load(data, "colours.bmp");

        tensor.shape.Should().Equal(3, 2, 3);
        float[] v = tensor.data<float>().ToArray();
        v.Should().Equal(
            1, 1, 1, 0, 0, 0,   // R: top row, bottom row
            0, 0, 0, 0, 0, 0,   // G
            0, 0, 0, 1, 1, 1);  // B
    }

    [Fact]
    public void Load_GifWithTwoFrames_DecodesFirstFrame()
    {
        // Frame 1: left half black, right half white. Frame 2: all white.
        byte[] data = TestImages.Gif(4, 2, (x, _) => x >= 2, (_, _) => true);
        var loader = new ImageLoader(new ImagePreprocessing { Width = 4, Height = 2 });

        float[] v = loader.LoadPixels(data, "frames.gif");

        v.Should().Equal(0, 0, 1, 1, 0, 0, 1, 1);
    }

    [Theory]
    [InlineData((ushort)6)]
    [InlineData((ushort)8)]
    [InlineData((ushort)3)]
    public void Load_JpegWithExifOrientation_ComesOutUpright(ushort orientation)
    {
        // Stored 32 wide x 16 tall, black in the top-left 16x8 quadrant, white elsewhere.
        byte[] jpeg = TestImages.Encode(SKEncodedImageFormat.Jpeg, 32, 16, (x, y) => x < 16 && y < 8 ? Black : White, quality: 95);
        byte[] rotated = TestImages.WithExifOrientation(jpeg, orientation);
        bool swaps = orientation is 6 or 8;
        int w = swaps ? 16 : 32;
        int h = swaps ? 32 : 16;
        var loader = new ImageLoader(new ImagePreprocessing { Width = w, Height = h });

        float[] v = loader.LoadPixels(rotated, "exif.jpg");

        // Where the black quadrant must be when displayed upright (centres of the four quadrants).
        (int Column, int Row) dark = orientation switch
        {
            6 => (1, 0), // 90 degrees clockwise: top-left goes to top-right
            8 => (0, 1), // 90 degrees counter-clockwise: top-left goes to bottom-left
            _ => (1, 1), // 180 degrees: top-left goes to bottom-right
        };
        for (int row = 0; row < 2; row++)
        {
            for (int column = 0; column < 2; column++)
            {
                float centre = v[(((row * h / 2) + (h / 4)) * w) + (column * w / 2) + (w / 4)];
                if ((column, row) == dark)
                {
                    centre.Should().BeLessThan(0.1f, $"quadrant ({column},{row}) holds the black block");
                }
                else
                {
                    centre.Should().BeGreaterThan(0.9f, $"quadrant ({column},{row}) is white");
                }
            }
        }
    }

    [Fact]
    public void Load_RgbAndGrayscale_GiveThreeAndOneChannelsWithBt601Luma()
    {
        SKColor[] colours = [new(255, 0, 0), new(0, 255, 0), new(0, 0, 255)];
        byte[] data = TestImages.Encode(SKEncodedImageFormat.Png, 3, 1, (x, _) => colours[x]);

        using var rgb = new ImageLoader(new ImagePreprocessing { Color = ColorMode.Rgb, Width = 3, Height = 1 }).Load(data, "rgb.png");
        using var gray = new ImageLoader(new ImagePreprocessing { Width = 3, Height = 1 }).Load(data, "rgb.png");

        rgb.shape.Should().Equal(3, 1, 3);
        rgb.data<float>().ToArray().Should().Equal(1, 0, 0, 0, 1, 0, 0, 0, 1);
        gray.shape.Should().Equal(1, 1, 3);
        gray.data<float>().ToArray().Should().Equal([0.299f, 0.587f, 0.114f], (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    [Fact]
    public void Load_TransparentPixels_AreCompositedOverWhite()
    {
        // Fully transparent black, half-transparent black, opaque black.
        byte[] alphas = [0, 128, 255];
        byte[] data = TestImages.Encode(SKEncodedImageFormat.Png, 3, 1, (x, _) => new SKColor(0, 0, 0, alphas[x]));
        var loader = new ImageLoader(new ImagePreprocessing { Width = 3, Height = 1 });

        float[] v = loader.LoadPixels(data, "alpha.png");

        v[0].Should().BeApproximately(1f, 1e-6f);
        v[1].Should().BeApproximately(1f - (128 / 255f), 1e-3f);
        v[2].Should().BeApproximately(0f, 1e-6f);
    }

    [Fact]
    public void Load_Invert_GivesOneMinusValue()
    {
        byte[] data = TestImages.GrayPng(2, 1, (x, _) => x == 0 ? (byte)51 : (byte)255);
        var loader = new ImageLoader(new ImagePreprocessing { Width = 2, Height = 1, Invert = true });

        float[] v = loader.LoadPixels(data, "gray.png");

        v.Should().Equal([1f - 0.2f, 0f], (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Fact]
    public void Load_MeanAndStdPerChannel_NormalisesEachChannel()
    {
        byte[] data = TestImages.Encode(SKEncodedImageFormat.Png, 1, 1, (_, _) => new SKColor(255, 51, 0));
        var loader = new ImageLoader(new ImagePreprocessing
        {
            Color = ColorMode.Rgb,
            Width = 1,
            Height = 1,
            Mean = [0.5f, 0.25f, 0.1f],
            Std = [0.5f, 0.25f, 2f],
        });

        float[] v = loader.LoadPixels(data, "one.png");

        // (1 - 0.5) / 0.5 = 1; (0.2 - 0.25) / 0.25 = -0.2; (0 - 0.1) / 2 = -0.05
        v.Should().Equal([1f, -0.2f, -0.05f], (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    [Fact]
    public void Constructor_ThreeMeansForGrayscale_ThrowsNamingTheCounts()
    {
        var act = () => new ImageLoader(new ImagePreprocessing { Mean = [0.1f, 0.2f, 0.3f] });

        act.Should().Throw<ArgumentException>().WithMessage("*Mean has 3 values*1 channel*");
    }

    [Fact]
    public void Load_OnePixelCheckerboardDownscaled_IsGreyNotAliased()
    {
        byte[] data = TestImages.GrayPng(105, 105, (x, y) => ((x + y) % 2) == 0 ? (byte)0 : (byte)255);
        var loader = new ImageLoader(new ImagePreprocessing());

        float[] v = loader.LoadPixels(data, "checker.png");

        v.Should().HaveCount(28 * 28);
        v.Should().AllSatisfy(p => p.Should().BeInRange(0.4f, 0.6f));
        v.Average().Should().BeApproximately(0.5f, 0.02f);
    }

    [Fact]
    public void Load_EdgeDownscaled_IsMonotonicWithGreyTransition()
    {
        byte[] data = TestImages.GrayPng(105, 105, (x, _) => x < 52 ? (byte)0 : (byte)255);
        var loader = new ImageLoader(new ImagePreprocessing());

        float[] row = loader.LoadPixels(data, "edge.png").AsSpan(14 * 28, 28).ToArray();

        row[0].Should().Be(0f);
        row[27].Should().Be(1f);
        row.Should().BeInAscendingOrder();
        row.Should().Contain(p => p > 0.1f && p < 0.9f, "an antialiased edge has an intermediate grey");
    }

    [Fact]
    public void Load_StreamAndBytesAndPath_GiveTheSameValues()
    {
        byte[] data = TestImages.GrayPng(40, 30, (x, y) => (byte)((x * 5) + (y * 2)));
        string folder = TestPaths.NewTempFolder();
        string path = Path.Combine(folder, "ramp.png");
        File.WriteAllBytes(path, data);
        var loader = new ImageLoader(new ImagePreprocessing { Width = 20, Height = 15 });

        using var fromBytes = loader.Load(data, "ramp");
        using var stream = new MemoryStream(data);
        using var fromStream = loader.Load(stream, "ramp");
        using var fromPath = loader.Load(path);

        fromStream.data<float>().ToArray().Should().Equal(fromBytes.data<float>().ToArray());
        fromPath.data<float>().ToArray().Should().Equal(fromBytes.data<float>().ToArray());
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void LoadBatch_ThreeFiles_KeepsOrderAndShape()
    {
        string folder = TestPaths.NewTempFolder();
        string[] paths = new string[3];
        byte[] levels = [0, 128, 255];
        for (int i = 0; i < 3; i++)
        {
            paths[i] = Path.Combine(folder, $"{i}.png");
            byte level = levels[i];
            File.WriteAllBytes(paths[i], TestImages.GrayPng(10, 10, (_, _) => level));
        }

        var loader = new ImageLoader(new ImagePreprocessing { Width = 5, Height = 5 });

        using var batch = loader.LoadBatch(paths);

        batch.shape.Should().Equal(3, 1, 5, 5);
        float[] v = batch.data<float>().ToArray();
        v[0].Should().Be(0f);
        v[25].Should().BeApproximately(128 / 255f, 1e-6f);
        v[74].Should().Be(1f);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void LoadPixels_ManyThreads_EqualSerialResult()
    {
        byte[] data = TestImages.GrayPng(105, 105, (x, y) => (byte)((x * y) % 256));
        var loader = new ImageLoader(new ImagePreprocessing());
        float[] serial = loader.LoadPixels(data, "serial");

        float[][] results = new float[64][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => results[i] = loader.LoadPixels(data, "parallel"));

        results.Should().AllSatisfy(r => r.Should().Equal(serial));
    }
}
