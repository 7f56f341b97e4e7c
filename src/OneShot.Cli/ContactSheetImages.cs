using SkiaSharp;

namespace OneShot.Cli;

/// <summary>Decodes image files for contact-sheet tiles, upright (EXIF orientation applied), as the classifier saw them.</summary>
internal static class ContactSheetImages
{
    /// <summary>The upright picture of <paramref name="file"/> as a new bitmap, or null when it cannot be decoded.</summary>
    public static SKBitmap? Decode(string file)
    {
        using var codec = SKCodec.Create(file);
        if (codec is null)
        {
            return null;
        }

        var decoded = SKBitmap.Decode(codec, codec.Info.WithColorType(SKColorType.Rgba8888).WithAlphaType(SKAlphaType.Premul));
        if (decoded is null || codec.EncodedOrigin is SKEncodedOrigin.TopLeft)
        {
            return decoded;
        }

        using (decoded)
        {
            return Upright(decoded, codec.EncodedOrigin);
        }
    }

    private static SKBitmap Upright(SKBitmap source, SKEncodedOrigin origin)
    {
        bool swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int w = swap ? source.Height : source.Width;
        int h = swap ? source.Width : source.Height;

        // x' = ScaleX*x + SkewX*y + TransX, y' = SkewY*x + ScaleY*y + TransY.
        var matrix = origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, w, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, w, -1, 0, h, 0, 0, 1),
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, h, 0, 0, 1),
            _ => SKMatrix.Identity,
        };
        var upright = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(upright);
        canvas.Clear(SKColors.White);
        canvas.SetMatrix(matrix);
        canvas.DrawBitmap(source, 0, 0);
        return upright;
    }
}
