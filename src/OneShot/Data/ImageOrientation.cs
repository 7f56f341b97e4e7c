using SkiaSharp;

namespace OneShot.Data;

/// <summary>
/// Maps a pixel of the upright (displayed) image back to the stored pixel, for the eight EXIF orientations:
/// <c>storedX = X0 + vx * Axx + vy * Axy</c>, <c>storedY = Y0 + vx * Ayx + vy * Ayy</c>.
/// </summary>
internal readonly record struct ImageOrientation(int X0, int Axx, int Axy, int Y0, int Ayx, int Ayy, bool SwapsAxes)
{
    /// <summary>The mapping for <paramref name="origin"/> on a stored image of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static ImageOrientation For(SKEncodedOrigin origin, int width, int height)
    {
        int w = width - 1;
        int h = height - 1;
        return origin switch
        {
            SKEncodedOrigin.TopRight => new(w, -1, 0, 0, 0, 1, false),      // mirrored horizontally
            SKEncodedOrigin.BottomRight => new(w, -1, 0, h, 0, -1, false),  // rotated 180
            SKEncodedOrigin.BottomLeft => new(0, 1, 0, h, 0, -1, false),    // mirrored vertically
            SKEncodedOrigin.LeftTop => new(0, 0, 1, 0, 1, 0, true),         // transposed
            SKEncodedOrigin.RightTop => new(0, 0, 1, h, -1, 0, true),       // display rotated 90 clockwise
            SKEncodedOrigin.RightBottom => new(w, 0, -1, h, -1, 0, true),   // transversed
            SKEncodedOrigin.LeftBottom => new(w, 0, -1, 0, 1, 0, true),     // display rotated 90 counter-clockwise
            _ => new(0, 1, 0, 0, 0, 1, false),                               // TopLeft: as stored
        };
    }

    /// <summary>The stored index of upright pixel (0, <paramref name="vy"/>) in a row-major image of width <paramref name="storedWidth"/>.</summary>
    public int RowStart(int vy, int storedWidth) => ((Y0 + (vy * Ayy)) * storedWidth) + X0 + (vy * Axy);

    /// <summary>How far the stored index moves for one step right in the upright image.</summary>
    public int ColumnStep(int storedWidth) => (Ayx * storedWidth) + Axx;

    /// <summary>The index in a row-major stored image of width <paramref name="storedWidth"/> of upright pixel (vx, vy).</summary>
    public int StoredIndex(int vx, int vy, int storedWidth) =>
        ((Y0 + (vx * Ayx) + (vy * Ayy)) * storedWidth) + X0 + (vx * Axx) + (vy * Axy);
}
