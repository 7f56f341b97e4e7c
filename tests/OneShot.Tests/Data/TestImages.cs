using System.Buffers.Binary;
using System.Text;
using SkiaSharp;

using OneShot.Testing;

namespace OneShot.Tests.Data;

/// <summary>Encoded test images generated in code: Skia-encoded PNG/JPEG/WebP and hand-built BMP, GIF, EXIF and PNG headers.</summary>
internal static class TestImages
{
    /// <summary>Encodes a <paramref name="width"/> x <paramref name="height"/> image whose pixel (x, y) is <paramref name="color"/>(x, y).</summary>
    public static byte[] Encode(SKEncodedImageFormat format, int width, int height, Func<int, int, SKColor> color, int quality = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, color(x, y));
            }
        }

        if (format == SKEncodedImageFormat.Webp)
        {
            using SKPixmap pixmap = bitmap.PeekPixels();
            using SKData? webp = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100));
            return webp?.ToArray() ?? throw new InvalidOperationException("Skia could not encode WebP.");
        }

        using SKData data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>A PNG of gray levels: pixel (x, y) has gray value <paramref name="gray"/>(x, y) in 0..255.</summary>
    public static byte[] GrayPng(int width, int height, Func<int, int, byte> gray) =>
        Encode(SKEncodedImageFormat.Png, width, height, (x, y) => { byte g = gray(x, y); return new SKColor(g, g, g); });

    /// <summary>A 24-bit uncompressed BMP (bottom-up rows, padded to 4 bytes) built byte by byte.</summary>
    public static byte[] Bmp(int width, int height, Func<int, int, SKColor> color)
    {
        int rowBytes = ((width * 3) + 3) & ~3;
        int imageSize = rowBytes * height;
        byte[] bmp = new byte[54 + imageSize];
        Span<byte> s = bmp;
        s[0] = (byte)'B';
        s[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(s[2..], bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(s[10..], 54);           // pixel data offset
        BinaryPrimitives.WriteInt32LittleEndian(s[14..], 40);           // BITMAPINFOHEADER
        BinaryPrimitives.WriteInt32LittleEndian(s[18..], width);
        BinaryPrimitives.WriteInt32LittleEndian(s[22..], height);       // positive: bottom-up
        BinaryPrimitives.WriteInt16LittleEndian(s[26..], 1);            // planes
        BinaryPrimitives.WriteInt16LittleEndian(s[28..], 24);           // bits per pixel
        BinaryPrimitives.WriteInt32LittleEndian(s[34..], imageSize);
        BinaryPrimitives.WriteInt32LittleEndian(s[38..], 2835);
        BinaryPrimitives.WriteInt32LittleEndian(s[42..], 2835);
        for (int y = 0; y < height; y++)
        {
            int row = 54 + ((height - 1 - y) * rowBytes);
            for (int x = 0; x < width; x++)
            {
                SKColor c = color(x, y);
                bmp[row + (x * 3)] = c.Blue;
                bmp[row + (x * 3) + 1] = c.Green;
                bmp[row + (x * 3) + 2] = c.Red;
            }
        }

        return bmp;
    }

    /// <summary>
    /// A GIF89a built byte by byte with a black/white palette, one frame per entry of <paramref name="frames"/>;
    /// frame pixel (x, y) is white when the function returns true. LZW data is written uncompressed
    /// (a clear code before every two literals, so the code size stays at 3 bits).
    /// </summary>
    public static byte[] Gif(int width, int height, params Func<int, int, bool>[] frames)
    {
        var gif = new List<byte>();
        gif.AddRange("GIF89a"u8.ToArray());
        AddUInt16(gif, width);
        AddUInt16(gif, height);
        gif.AddRange([0x80, 0x00, 0x00]);                     // global colour table of 2 entries, background 0, aspect 0
        gif.AddRange([0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF]);   // black, white
        foreach (Func<int, int, bool> white in frames)
        {
            gif.AddRange([0x21, 0xF9, 0x04, 0x00, 0x0A, 0x00, 0x00, 0x00]); // graphic control: 0.1 s, no transparency
            gif.Add(0x2C);
            AddUInt16(gif, 0);
            AddUInt16(gif, 0);
            AddUInt16(gif, width);
            AddUInt16(gif, height);
            gif.Add(0x00);                                    // no local table, not interlaced
            gif.Add(0x02);                                    // LZW minimum code size
            var codes = new List<int>();
            int n = 0;
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    if (n++ % 2 == 0)
                    {
                        codes.Add(4);                         // clear
                    }

                    codes.Add(white(x, y) ? 1 : 0);
                }
            }

            codes.Add(5);                                     // end of information
            byte[] packed = PackLsbFirst(codes, 3);
            for (int i = 0; i < packed.Length; i += 255)
            {
                int len = Math.Min(255, packed.Length - i);
                gif.Add((byte)len);
                gif.AddRange(packed.AsSpan(i, len).ToArray());
            }

            gif.Add(0x00);                                    // block terminator
        }

        gif.Add(0x3B);
        return gif.ToArray();
    }

    /// <summary>Inserts an APP1 Exif segment with the given orientation tag right after the JPEG SOI marker.</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        // TIFF, big-endian: header, IFD0 with one entry (0x0112 Orientation, SHORT, count 1), no next IFD.
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,
            0x00, 0x01,
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, (byte)(orientation >> 8), (byte)orientation, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
        ];
        byte[] payload = [.. "Exif\0\0"u8.ToArray(), .. tiff];
        int length = payload.Length + 2;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload];
        return [.. jpeg.AsSpan(0, 2).ToArray(), .. segment, .. jpeg.AsSpan(2).ToArray()];
    }

    /// <summary>
    /// A PNG signature, an IHDR chunk declaring <paramref name="width"/> x <paramref name="height"/> (8-bit gray) with a
    /// correct CRC, and the start of an IDAT chunk: a header that reads fine but whose pixels are not there.
    /// </summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        var png = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        byte[] ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;                                          // bit depth; colour type 0 (gray), deflate, filter 0, no interlace
        AddChunk(png, "IHDR", ihdr);
        AddChunk(png, "IDAT", [0x78, 0x9C, 0x62, 0x60]);
        return png.ToArray();
    }

    private static void AddChunk(List<byte> png, string type, byte[] data) => png.AddRange(PngChunk.Encode(type, data));

    private static byte[] PackLsbFirst(List<int> codes, int bits)
    {
        var bytes = new List<byte>();
        int buffer = 0;
        int count = 0;
        foreach (int code in codes)
        {
            buffer |= code << count;
            count += bits;
            while (count >= 8)
            {
                bytes.Add((byte)(buffer & 0xFF));
                buffer >>= 8;
                count -= 8;
            }
        }

        if (count > 0)
        {
            bytes.Add((byte)buffer);
        }

        return bytes.ToArray();
    }

    private static void AddUInt16(List<byte> list, int value)
    {
        list.Add((byte)value);
        list.Add((byte)(value >> 8));
    }
}
