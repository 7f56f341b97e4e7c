using System.Runtime.CompilerServices;
using SkiaSharp;

namespace OneShot.Data;

/// <summary>
/// Decodes encoded image bytes with SkiaSharp's <see cref="SKCodec"/> into an upright <see cref="DecodedImage"/>.
/// Stateless and safe to call from many threads; every Skia object is disposed before returning.
/// </summary>
internal static class ImageDecoder
{
    private const float RedWeight = 0.299f;
    private const float GreenWeight = 0.587f;
    private const float BlueWeight = 0.114f;

    /// <summary>Byte value v as v / 255.</summary>
    private static readonly float[] Levels = Enumerable.Range(0, 256).Select(v => v / 255f).ToArray();

    /// <summary>Decodes <paramref name="data"/> into <paramref name="channels"/> (1 or 3) planes of values in [0, 1].</summary>
    /// <exception cref="ImageDecodeException">Empty, unknown format, corrupt or truncated data, or more than <paramref name="maxPixels"/> pixels.</exception>
    public static DecodedImage Decode(ReadOnlySpan<byte> data, string sourceName, int channels, long maxPixels, RgbColor? background = null) =>
        Decode(data, sourceName, channels, maxPixels, background, budget: null, out _);

    /// <summary>
    /// Decodes <paramref name="data"/> like <see cref="Decode(ReadOnlySpan{byte}, string, int, long, RgbColor?)"/>, first
    /// reserving its working memory (<see cref="WorkingBytes"/>) from <paramref name="budget"/> when one is given; the
    /// caller disposes <paramref name="reservation"/> once it no longer holds the decoded pixels.
    /// </summary>
    public static DecodedImage Decode(
        ReadOnlySpan<byte> data,
        string sourceName,
        int channels,
        long maxPixels,
        RgbColor? background,
        DecodeBudget? budget,
        out IDisposable? reservation)
    {
        reservation = null;
        if (data.IsEmpty)
        {
            throw new ImageDecodeException(sourceName, ImageDecodeError.Empty,
                $"Image '{sourceName}' is empty: found 0 bytes, expected an encoded {ImageFormatSniffer.Expected} image.");
        }

        string format = ImageFormatSniffer.Sniff(data) ?? throw new ImageDecodeException(sourceName, ImageDecodeError.UnknownFormat,
            $"Image '{sourceName}' has an unknown format: found {ImageFormatSniffer.Describe(data)}, expected a {ImageFormatSniffer.Expected} signature.");

        using SKData skData = SKData.CreateCopy(data);
        using SKCodec codec = SKCodec.Create(skData) ?? throw new ImageDecodeException(sourceName, ImageDecodeError.Corrupt,
            $"Image '{sourceName}' is corrupt: it starts like {format} ({data.Length} bytes) but its header cannot be read, expected a valid {format} header.");

        SKImageInfo info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0)
        {
            throw new ImageDecodeException(sourceName, ImageDecodeError.Corrupt,
                $"Image '{sourceName}' is corrupt: its {format} header declares {info.Width}x{info.Height} pixels, expected a positive size.");
        }

        long declared = (long)info.Width * info.Height;
        if (declared > maxPixels)
        {
            throw new ImageDecodeException(sourceName, ImageDecodeError.TooLarge,
                $"Image '{sourceName}' is too large: its {format} header declares {info.Width}x{info.Height} = {declared} pixels, expected at most {maxPixels} (ImageLimits.MaxPixels).");
        }

        bool gray = info.ColorType == SKColorType.Gray8;
        var target = gray
            ? new SKImageInfo(info.Width, info.Height, SKColorType.Gray8, SKAlphaType.Opaque)
            : new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var held = budget?.Reserve(WorkingBytes(declared, gray, channels));
        byte[] raw;
        SKCodecResult result;
        try
        {
            raw = new byte[target.BytesSize64];
            result = codec.GetPixels(target, raw);
        }
        catch
        {
            held?.Dispose();
            throw;
        }

        reservation = held;
        if (result != SKCodecResult.Success)
        {
            held?.Dispose();
            reservation = null;
            string what = result == SKCodecResult.IncompleteInput ? "truncated (incomplete input)" : $"corrupt ({result})";
            throw new ImageDecodeException(sourceName, ImageDecodeError.Corrupt,
                $"Image '{sourceName}' is {what}: the {format} data of {data.Length} bytes for {info.Width}x{info.Height} pixels could not be decoded completely, expected a whole, valid {format} stream.");
        }

        var orientation = ImageOrientation.For(codec.EncodedOrigin, info.Width, info.Height);
        return gray
            ? FromGray(raw, info.Width, info.Height, orientation, channels)
            : FromRgba(raw, info.Width, info.Height, orientation, channels, background ?? RgbColor.White);
    }

    /// <summary>
    /// The bytes a decode of <paramref name="pixels"/> pixels holds at once: the raw Skia pixels (1 byte each for a
    /// grayscale file, 4 otherwise) and the float planes of <paramref name="channels"/> channels.
    /// </summary>
    public static long WorkingBytes(long pixels, bool grayFile, int channels) => pixels * ((grayFile ? 1 : 4) + (4L * channels));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static DecodedImage FromGray(byte[] raw, int width, int height, ImageOrientation orientation, int channels)
    {
        (int w, int h) = orientation.SwapsAxes ? (height, width) : (width, height);
        int plane = w * h;
        float[] pixels = new float[plane * channels];
        ReadOnlySpan<float> levels = Levels;
        int step = orientation.ColumnStep(width);
        for (int y = 0; y < h; y++)
        {
            int s = orientation.RowStart(y, width);
            Span<float> row = pixels.AsSpan(y * w, w);
            for (int x = 0; x < row.Length; x++, s += step)
            {
                row[x] = levels[raw[s]];
            }
        }

        for (int c = 1; c < channels; c++)
        {
            pixels.AsSpan(0, plane).CopyTo(pixels.AsSpan(c * plane, plane));
        }

        return new DecodedImage(pixels, channels, w, h);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static DecodedImage FromRgba(byte[] raw, int width, int height, ImageOrientation orientation, int channels, RgbColor background)
    {
        (int w, int h) = orientation.SwapsAxes ? (height, width) : (width, height);
        int plane = w * h;
        float[] pixels = new float[plane * channels];
        ReadOnlySpan<float> levels = Levels;
        int step = orientation.ColumnStep(width) * 4;
        float backR = levels[background.R];
        float backG = levels[background.G];
        float backB = levels[background.B];
        for (int y = 0; y < h; y++)
        {
            int s = orientation.RowStart(y, width) * 4;
            for (int x = 0; x < w; x++, s += step)
            {
                float alpha = levels[raw[s + 3]];
                float rest = 1f - alpha;
                float r = (levels[raw[s]] * alpha) + (backR * rest);
                float g = (levels[raw[s + 1]] * alpha) + (backG * rest);
                float b = (levels[raw[s + 2]] * alpha) + (backB * rest);
                int i = (y * w) + x;
                if (channels == 1)
                {
                    pixels[i] = (RedWeight * r) + (GreenWeight * g) + (BlueWeight * b);
                }
                else
                {
                    pixels[i] = r;
                    pixels[plane + i] = g;
                    pixels[(2 * plane) + i] = b;
                }
            }
        }

        return new DecodedImage(pixels, channels, w, h);
    }
}
