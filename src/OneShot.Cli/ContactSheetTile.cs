using SkiaSharp;

namespace OneShot.Cli;

/// <summary>
/// One picture of a contact sheet: either pixels (planes of brightness in [0, 1], 1 = white) or an image file,
/// with a caption of one or more short lines and the colour of its frame.
/// </summary>
internal sealed record ContactSheetTile
{
    private ContactSheetTile(float[]? pixels, int channels, int height, int width, string? file, SKColor frame, string[] caption)
    {
        Pixels = pixels;
        Channels = channels;
        Height = height;
        Width = width;
        File = file;
        Frame = frame;
        Caption = caption;
    }

    /// <summary>Brightness planes <c>[C,H,W]</c> in [0, 1] (1 = white), or null for a file tile.</summary>
    public float[]? Pixels { get; }

    /// <summary>1 (gray) or 3 (RGB) for a pixel tile.</summary>
    public int Channels { get; }

    /// <summary>The pixel height of a pixel tile.</summary>
    public int Height { get; }

    /// <summary>The pixel width of a pixel tile.</summary>
    public int Width { get; }

    /// <summary>The image file of a file tile, or null for a pixel tile.</summary>
    public string? File { get; }

    /// <summary>The colour of the frame around the picture.</summary>
    public SKColor Frame { get; }

    /// <summary>The caption lines under the picture, first line first.</summary>
    public IReadOnlyList<string> Caption { get; }

    /// <summary>A tile drawn from brightness planes <c>[C,H,W]</c> in [0, 1].</summary>
    public static ContactSheetTile FromPixels(float[] pixels, int channels, int height, int width, SKColor frame, params string[] caption)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (channels is not (1 or 3) || height < 1 || width < 1 || pixels.Length != channels * height * width)
        {
            throw new ArgumentException(
                $"Expected {channels}x{height}x{width} = {channels * height * width} brightness values with 1 or 3 channels; got {pixels.Length} values.",
                nameof(pixels));
        }

        return new ContactSheetTile(pixels, channels, height, width, null, frame, caption);
    }

    /// <summary>A tile drawn from the image file <paramref name="file"/> (decoded when the sheet is drawn).</summary>
    public static ContactSheetTile FromFile(string file, SKColor frame, params string[] caption)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        return new ContactSheetTile(null, 0, 0, 0, file, frame, caption);
    }
}
