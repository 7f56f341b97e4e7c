using System.Security.Cryptography;

namespace OneShot.Data;

/// <summary>
/// A per-pixel mean subtracted from every input (Caffe and CNTK models subtract the mean ImageNet image instead of
/// per-channel means): <c>Channels x Height x Width</c> float values in the model's channel order and pixel range.
/// Stored in the model folder as its own file, identified by the SHA-256 of its little-endian float32 bytes.
/// </summary>
public sealed class MeanImage
{
    private readonly float[] _values;

    /// <summary>Creates a mean image from <paramref name="values"/> (copied), planes of <paramref name="height"/> x <paramref name="width"/>.</summary>
    /// <exception cref="ArgumentException">The number of values is not channels x height x width, or a value is not finite.</exception>
    public MeanImage(IReadOnlyList<float> values, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (values.Count != (long)channels * height * width)
        {
            throw new ArgumentException($"A {channels}x{height}x{width} mean image has {(long)channels * height * width} values; got {values.Count}.", nameof(values));
        }

        _values = [.. values];
        if (!_values.All(float.IsFinite))
        {
            throw new ArgumentException("Mean image values must be finite.", nameof(values));
        }

        Channels = channels;
        Height = height;
        Width = width;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(ToBytes()));
    }

    /// <summary>The values, channel planes one after the other, rows top to bottom.</summary>
    public IReadOnlyList<float> Values => _values;

    /// <summary>The number of channels.</summary>
    public int Channels { get; }

    /// <summary>The height in pixels.</summary>
    public int Height { get; }

    /// <summary>The width in pixels.</summary>
    public int Width { get; }

    /// <summary>The SHA-256 of <see cref="ToBytes"/>, lower-case hex: the mean image's identity.</summary>
    public string Sha256 { get; }

    /// <summary>Reads a mean image from little-endian float32 bytes.</summary>
    /// <exception cref="ArgumentException">The byte count is not 4 x channels x height x width.</exception>
    public static MeanImage FromBytes(ReadOnlySpan<byte> bytes, int channels, int height, int width)
    {
        long expected = 4L * channels * height * width;
        if (bytes.Length != expected)
        {
            throw new ArgumentException($"A {channels}x{height}x{width} float32 mean image has {expected} bytes; got {bytes.Length}.", nameof(bytes));
        }

        float[] values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BitConverter.ToSingle(bytes.Slice(i * 4, 4));
        }

        return new MeanImage(values, channels, height, width);
    }

    /// <summary>The values as little-endian float32 bytes (the file form).</summary>
    public byte[] ToBytes()
    {
        byte[] bytes = new byte[_values.Length * 4];
        for (int i = 0; i < _values.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 4, 4), _values[i]);
        }

        return bytes;
    }

    /// <summary>The mean of channel <paramref name="channel"/> over all pixels.</summary>
    public float ChannelMean(int channel) =>
        (float)_values.AsSpan(channel * Height * Width, Height * Width).ToArray().Average(v => (double)v);

    internal ReadOnlySpan<float> Span => _values;
}
