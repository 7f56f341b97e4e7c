namespace OneShot.Data;

/// <summary>
/// An image decoded to planar float values in [0, 1], upright (EXIF orientation applied) and with alpha
/// composited over white: <see cref="Pixels"/> holds <c>Channels x Height x Width</c> values.
/// </summary>
internal sealed class DecodedImage
{
    public DecodedImage(float[] pixels, int channels, int width, int height)
    {
        Pixels = pixels;
        Channels = channels;
        Width = width;
        Height = height;
    }

    /// <summary>The values, channel planes one after the other, rows top to bottom.</summary>
    public float[] Pixels { get; }

    /// <summary>1 (grayscale) or 3 (R, G, B).</summary>
    public int Channels { get; }

    /// <summary>The upright width in pixels.</summary>
    public int Width { get; }

    /// <summary>The upright height in pixels.</summary>
    public int Height { get; }
}
