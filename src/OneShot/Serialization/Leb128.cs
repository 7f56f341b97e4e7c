namespace OneShot.Serialization;

/// <summary>Unsigned LEB128 integers, as TorchSharp's <c>BinaryWriter.Encode</c> and exportsd.py write them.</summary>
internal static class Leb128
{
    /// <summary>Writes a non-negative <paramref name="value"/>.</summary>
    public static void Write(Stream stream, long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        do
        {
            byte b = (byte)(value & 0x7f);
            value >>= 7;
            stream.WriteByte(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
    }

    /// <summary>
    /// Reads a non-negative value; returns null when it does not fit a non-negative <see cref="long"/>.
    /// </summary>
    /// <exception cref="EndOfStreamException">The stream ends inside the value.</exception>
    public static long? Read(Stream stream)
    {
        long result = 0;
        for (int shift = 0; ; shift += 7)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                throw new EndOfStreamException();
            }

            long bits = b & 0x7f;
            if (shift > 56 && (bits >> (63 - shift)) != 0)
            {
                return null;
            }

            result |= bits << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }

            if (shift >= 56)
            {
                return null;
            }
        }
    }
}
