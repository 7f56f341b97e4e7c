using OneShot.Data;
using SkiaSharp;

namespace OneShot.Tests.Data;

public sealed class ImageLoaderErrorTests
{
    private readonly ImageLoader _loader = new(new ImagePreprocessing());

    [Fact]
    public void Load_MissingFile_ThrowsNotFoundNamingThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.png");

        var act = () => _loader.Load(path);

        var ex = act.Should().Throw<ImageDecodeException>().Which;
        ex.Error.Should().Be(ImageDecodeError.NotFound);
        ex.SourceName.Should().Be(path);
        ex.Message.Should().Contain(path).And.Contain("not found");
    }

    [Fact]
    public void Load_ZeroByteFile_ThrowsEmpty()
    {
        string folder = TestPaths.NewTempFolder();
        string path = Path.Combine(folder, "empty.png");
        File.WriteAllBytes(path, []);

        var act = () => _loader.Load(path);

        var ex = act.Should().Throw<ImageDecodeException>().Which;
        ex.Error.Should().Be(ImageDecodeError.Empty);
        ex.Message.Should().Contain(path).And.Contain("0 bytes");
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void Load_EmptyStream_ThrowsEmptyNamingTheSource()
    {
        using var stream = new MemoryStream();

        var act = () => _loader.Load(stream, "upload-7");

        var ex = act.Should().Throw<ImageDecodeException>().Which;
        ex.Error.Should().Be(ImageDecodeError.Empty);
        ex.SourceName.Should().Be("upload-7");
        ex.Message.Should().Contain("'upload-7'");
    }

    [Fact]
    public void Load_TextBytes_ThrowsUnknownFormatShowingTheBytes()
    {
        byte[] data = "hello, world"u8.ToArray();

        var act = () => _loader.Load(data, "notes.txt");

        var ex = act.Should().Throw<ImageDecodeException>().Which;
        ex.Error.Should().Be(ImageDecodeError.UnknownFormat);
        ex.Message.Should().Contain("'notes.txt'").And.Contain("12 byte(s) starting with 0x68656C6C6F2C2077").And.Contain("PNG, JPEG, BMP, GIF or WebP");
    }

    [Fact]
    public void Load_PngSignatureThenGarbage_ThrowsCorrupt()
    {
        byte[] data = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. Enumerable.Range(0, 64).Select(i => (byte)(i * 37))];

        var act = () => _loader.Load(data, "garbage.png");

        var ex = act.Should().Throw<ImageDecodeException>().Which;
        ex.Error.Should().Be(ImageDecodeError.Corrupt);
        ex.Message.Should().Contain("'garbage.png'").And.Contain("PNG");
    }

    [Fact]
    public void Load_JpegSignatureThenGarbage_ThrowsCorrupt()
    {
        byte[] data = [0xFF, 0xD8, 0xFF, 0xE0, .. Enumerable.Range(0, 64).Select(i => (byte)(255 - i))];

        var act = () => _loader.Load(data, "garbage.jpg");

        act.Should().Throw<ImageDecodeException>().Which.Error.Should().Be(ImageDecodeError.Corrupt);
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public void Load_TruncatedImage_ThrowsCorrupt(SKEncodedImageFormat format)
    {
        // Noise does not compress, so half of the file is half of the pixel data.
        var random = new Random(7);
        byte[] whole = TestImages.Encode(format, 64, 64, (_, _) => new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        byte[] half = whole.AsSpan(0, whole.Length / 2).ToArray();

        var act = () => _loader.Load(half, $"half.{format}");

        var ex = act.Should().Throw<ImageDecodeException>().Which;
        ex.Error.Should().Be(ImageDecodeError.Corrupt);
        ex.Message.Should().Contain($"'half.{format}'");
    }

    [Fact]
    public void Load_PngWithoutIend_DecodesLikeTheWholeFile()
    {
        var random = new Random(3);
        byte[] whole = TestImages.Encode(SKEncodedImageFormat.Png, 32, 32, (_, _) => new SKColor((byte)random.Next(256), 0, 0));
        byte[] withoutIend = whole.AsSpan(0, whole.Length - 12).ToArray(); // IEND is the last chunk: 12 bytes

        using var expected = _loader.Load(whole, "whole.png");
        using var actual = _loader.Load(withoutIend, "no-iend.png");

        actual.data<float>().ToArray().Should().Equal(expected.data<float>().ToArray());
    }

    [Fact]
    public void Load_JpegWithoutEoi_ThrowsCorruptBecauseTheDecoderCannotConfirmTheScanIsComplete()
    {
        // The one rule (docs/RELIABILITY.md, ImageLoader): accept what the decoder reports as decoded completely.
        // libjpeg reports a JPEG that ends without its EOI marker as incomplete input, exactly like one that lost
        // pixel data (it cannot tell the two apart without the marker), so both are rejected.
        var random = new Random(5);
        byte[] whole = TestImages.Encode(SKEncodedImageFormat.Jpeg, 32, 32, (_, _) => new SKColor((byte)random.Next(256), (byte)random.Next(256), 0));
        whole.AsSpan(whole.Length - 2).ToArray().Should().Equal([(byte)0xFF, (byte)0xD9], "a JPEG ends with the EOI marker");

        var act = () => _loader.Load(whole.AsSpan(0, whole.Length - 2).ToArray(), "no-eoi.jpg");

        act.Should().Throw<ImageDecodeException>().Which.Message.Should().Contain("'no-eoi.jpg'").And.Contain("truncated");
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, 0.9)]
    [InlineData(SKEncodedImageFormat.Jpeg, 0.9)]
    [InlineData(SKEncodedImageFormat.Jpeg, 0.99)]
    public void Load_MissingPixelData_ThrowsCorrupt(SKEncodedImageFormat format, double kept)
    {
        var random = new Random(11);
        byte[] whole = TestImages.Encode(format, 64, 64, (_, _) => new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        byte[] cut = whole.AsSpan(0, (int)(whole.Length * kept)).ToArray();

        var act = () => _loader.Load(cut, $"cut.{format}");

        act.Should().Throw<ImageDecodeException>().Which.Error.Should().Be(ImageDecodeError.Corrupt);
    }

    [Fact]
    public void Load_HeaderDeclaringHugeImage_ThrowsTooLargeBeforeDecoding()
    {
        byte[] data = TestImages.PngHeaderOnly(100_000, 100_000);
        var loader = new ImageLoader(new ImagePreprocessing { MaxPixels = 1_000_000 });

        var act = () => loader.Load(data, "bomb.png");

        var ex = act.Should().Throw<ImageDecodeException>().Which;
        ex.Error.Should().Be(ImageDecodeError.TooLarge);
        ex.Message.Should().Contain("'bomb.png'").And.Contain("100000x100000").And.Contain("10000000000").And.Contain("1000000");
    }

    [Fact]
    public void Load_ImageOverMaxPixels_ThrowsTooLarge()
    {
        byte[] data = TestImages.GrayPng(64, 64, (_, _) => 128);
        var loader = new ImageLoader(new ImagePreprocessing { MaxPixels = (64 * 64) - 1 });

        var act = () => loader.Load(data, "just-over.png");

        act.Should().Throw<ImageDecodeException>().Which.Error.Should().Be(ImageDecodeError.TooLarge);
        new ImageLoader(new ImagePreprocessing { MaxPixels = 64 * 64 }).LoadPixels(data, "at-limit.png").Should().HaveCount(28 * 28);
    }

    [Fact]
    public void LoadBatch_OneMissingFile_ThrowsForTheFirstFailingPath()
    {
        string folder = TestPaths.NewTempFolder();
        string good = Path.Combine(folder, "good.png");
        File.WriteAllBytes(good, TestImages.GrayPng(4, 4, (_, _) => 0));
        string missing1 = Path.Combine(folder, "missing1.png");
        string missing2 = Path.Combine(folder, "missing2.png");

        var act = () => _loader.LoadBatch([good, missing1, good, missing2]);

        act.Should().Throw<ImageDecodeException>().Which.SourceName.Should().Be(missing1);
        Directory.Delete(folder, recursive: true);
    }
}
