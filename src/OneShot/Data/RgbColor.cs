using System.Globalization;

namespace OneShot.Data;

/// <summary>An opaque colour, used as the background that transparent pixels are composited on.</summary>
/// <param name="R">Red, 0 to 255.</param>
/// <param name="G">Green, 0 to 255.</param>
/// <param name="B">Blue, 0 to 255.</param>
public readonly record struct RgbColor(byte R, byte G, byte B)
{
    /// <summary>White, the default background.</summary>
    public static RgbColor White { get; } = new(255, 255, 255);

    /// <summary>Black.</summary>
    public static RgbColor Black { get; } = new(0, 0, 0);

    /// <summary>Parses <c>#rrggbb</c>.</summary>
    /// <exception cref="FormatException">The text is not <c>#</c> and six hex digits.</exception>
    public static RgbColor Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length != 7 || text[0] != '#' || !uint.TryParse(text.AsSpan(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint v))
        {
            throw new FormatException($"Colour '{text}' is not of the form #rrggbb.");
        }

        return new RgbColor((byte)(v >> 16), (byte)(v >> 8), (byte)v);
    }

    /// <summary>The colour as <c>#rrggbb</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"#{R:x2}{G:x2}{B:x2}");
}
