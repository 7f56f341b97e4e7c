using System.IO.Compression;
using SkiaSharp;

namespace OneShot.Tests.Serialization.Onnx;

/// <summary>Images for the preprocessing checks: a generated colour picture with transparency, and real emoji.</summary>
internal static class TestImages
{
    /// <summary>A 90x60 PNG: a colour gradient, a half-transparent disc and a fully transparent corner.</summary>
    public static byte[] GeneratedPng()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(90, 60, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < 60; y++)
        {
            for (int x = 0; x < 90; x++)
            {
                byte alpha = x < 10 && y < 10 ? (byte)0 : (x - 45) * (x - 45) + (y - 30) * (y - 30) < 400 ? (byte)128 : (byte)255;
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 255 / 89), (byte)(y * 255 / 59), (byte)((x + y) % 256), alpha));
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The PNG bytes of <paramref name="entry"/> (for example <c>google/1F600.png</c>) from the shared emoji archives.</summary>
    public static byte[] Emoji(string entry)
    {
        string artist = entry.Split('/')[0];
        using var zip = ZipFile.OpenRead(Path.Combine(TestPaths.SharedData, "emoji", $"{artist}-64.zip"));
        using var stream = zip.GetEntry(entry)!.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
