using System.Buffers.Binary;
using System.Text;

namespace OneShot.Testing;

/// <summary>
/// Encodes one PNG chunk (length, type, data, CRC-32) for hand-built PNG files: test images with chosen defects
/// (tests/OneShot.Tests/Data/TestImages) and the large images of the enroll-rss benchmark, which link this file.
/// </summary>
internal static class PngChunk
{
    /// <summary>The bytes of chunk <paramref name="type"/> (four ASCII letters, e.g. <c>IHDR</c>) holding <paramref name="data"/>.</summary>
    public static byte[] Encode(string type, byte[] data)
    {
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        var chunk = new byte[4 + typeAndData.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        typeAndData.CopyTo(chunk, 4);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(4 + typeAndData.Length), Crc32(typeAndData));
        return chunk;
    }

    /// <summary>The CRC-32 PNG uses (ISO 3309, reflected polynomial 0xEDB88320) over type and data.</summary>
    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }
}
