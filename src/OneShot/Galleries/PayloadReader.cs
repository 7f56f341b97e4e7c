using System.Buffers.Binary;
using System.Text;

namespace OneShot.Galleries;

/// <summary>Reads a gallery payload with bounds checks; every problem becomes a <see cref="GalleryFormatException"/>.</summary>
internal sealed class PayloadReader
{
    private const int MaxStringBytes = 1 << 20;
    private readonly string _path;
    private readonly byte[] _data;
    private int _position;

    public PayloadReader(string path, byte[] data)
    {
        _path = path;
        _data = data;
    }

    public int Int32()
    {
        Need(4, "an integer");
        int value = BinaryPrimitives.ReadInt32LittleEndian(_data.AsSpan(_position));
        _position += 4;
        return value;
    }

    public int Count(string what, int min)
    {
        int value = Int32();
        return value >= min ? value : throw Corrupt($"the {what} is {value}, expected at least {min}");
    }

    /// <summary>
    /// Reads a count of items that take at least <paramref name="bytesEach"/> bytes each and checks it against the
    /// bytes that remain, so that a damaged count is reported before anything is allocated for it.
    /// </summary>
    public int Count(string what, int min, long bytesEach)
    {
        int value = Count(what, min);
        long remaining = _data.Length - _position;
        if (bytesEach > 0 && value > remaining / bytesEach)
        {
            throw Corrupt($"the {what} is {value}, but only {remaining} bytes remain, room for at most {remaining / bytesEach} at {bytesEach} bytes each");
        }

        return value;
    }

    public byte Byte(string what)
    {
        Need(1, what);
        return _data[_position++];
    }

    public string String() => String(MaxStringBytes);

    public string String(int maxBytes)
    {
        int length = Int32();
        if (length < 0 || length > maxBytes)
        {
            throw Corrupt($"a text field declares {length} bytes, expected 0 to {maxBytes}");
        }

        Need(length, "a text field");
        try
        {
            string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(_data, _position, length);
            _position += length;
            return text;
        }
        catch (DecoderFallbackException e)
        {
            throw Corrupt("a text field is not valid UTF-8", e);
        }
    }

    public float[] Floats(int count)
    {
        Need((long)count * sizeof(float), "embeddings");
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(_data.AsSpan(_position + (i * sizeof(float))));
        }

        _position += count * sizeof(float);
        return values;
    }

    public void ExpectRemaining(long bytes)
    {
        long remaining = _data.Length - _position;
        if (remaining != bytes)
        {
            throw Corrupt(bytes == 0 ? $"{remaining} unexpected bytes follow the last field" : $"expected {bytes} bytes of embeddings, found {remaining}");
        }
    }

    public GalleryFormatException Corrupt(string detail, Exception? inner = null) =>
        new(_path, $"The gallery file '{_path}' is corrupt: {detail}.", inner);

    private void Need(long bytes, string what)
    {
        if (_data.Length - _position < bytes)
        {
            throw Corrupt($"it ends inside {what} at payload byte {_position}");
        }
    }
}
