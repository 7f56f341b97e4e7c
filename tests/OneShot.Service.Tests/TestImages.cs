using SkiaSharp;

namespace OneShot.Service.Tests;

/// <summary>Images drawn in code: black strokes on white (what the shipped Omniglot model expects), encoded as PNG.</summary>
internal static class TestImages
{
    /// <summary>The shapes the tests enrol; each is far from the others for the Omniglot Conv4 embedder.</summary>
    public enum Shape
    {
        HorizontalBar,
        VerticalBar,
        Ring,
    }

    /// <summary>Draws <paramref name="shape"/> at 56 x 56, shifted by (<paramref name="dx"/>, <paramref name="dy"/>) pixels with pen <paramref name="pen"/>.</summary>
    public static byte[] Draw(Shape shape, float dx = 0, float dy = 0, float pen = 6, int size = 56)
    {
        using var surface = SKSurface.Create(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = pen, StrokeCap = SKStrokeCap.Round };
        float c = size / 2f;
        float r = size * 0.3f;
        switch (shape)
        {
            case Shape.HorizontalBar:
                canvas.DrawLine(c - r + dx, c + dy, c + r + dx, c + dy, paint);
                break;
            case Shape.VerticalBar:
                canvas.DrawLine(c + dx, c - r + dy, c + dx, c + r + dy, paint);
                break;
            default:
                canvas.DrawCircle(c + dx, c + dy, r, paint);
                break;
        }

        return Encode(surface);
    }

    /// <summary>A white PNG of <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    public static byte[] Blank(int width, int height)
    {
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.Clear(SKColors.White);
        return Encode(surface);
    }

    /// <summary>A PNG signature followed by <paramref name="length"/> - 8 bytes of noise: looks like PNG, decodes as nothing.</summary>
    public static byte[] CorruptPng(int length = 200)
    {
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
        return bytes;
    }

    /// <summary>A PNG cut in half: a valid header, then the image data stops.</summary>
    public static byte[] TruncatedPng()
    {
        byte[] whole = Draw(Shape.Ring, size: 60);
        return whole[..(whole.Length / 2)];
    }

    private static byte[] Encode(SKSurface surface)
    {
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
