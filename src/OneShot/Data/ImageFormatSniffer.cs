namespace OneShot.Data;

/// <summary>Recognises the image formats OneShot decodes by their leading magic bytes.</summary>
internal static class ImageFormatSniffer
{
    /// <summary>The format names OneShot decodes, for error messages.</summary>
    public const string Expected = "PNG, JPEG, BMP, GIF or WebP";

    /// <summary>Returns the format name ("PNG", "JPEG", ...) of <paramref name="data"/>, or null when unrecognised.</summary>
    public static string? Sniff(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "PNG";
        }

        if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "JPEG";
        }

        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8))
        {
            return "GIF";
        }

        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return "WebP";
        }

        if (data.StartsWith("BM"u8) && data.Length >= 14)
        {
            return "BMP";
        }

        return null;
    }

    /// <summary>The first bytes of <paramref name="data"/> in hex, to show what was found.</summary>
    public static string Describe(ReadOnlySpan<byte> data)
    {
        int n = Math.Min(data.Length, 8);
        string hex = Convert.ToHexString(data[..n]);
        return $"{data.Length} byte(s) starting with 0x{hex}";
    }
}
