using System.Globalization;

namespace OneShot.Data;

/// <summary>
/// How an image file becomes a model input: colour mode, antialiased resize to
/// <see cref="Width"/> x <see cref="Height"/>, optional inversion, then per-channel normalisation
/// <c>(x - Mean[c]) / Std[c]</c> on values scaled to [0, 1].
/// </summary>
/// <remarks>
/// Part of an embedder's identity: a gallery built with one preprocessing must not be searched with another,
/// so it is included in the embedder fingerprint through <see cref="ToCanonicalString"/>.
/// <see cref="MaxPixels"/> is a safety limit, not part of that identity.
/// </remarks>
public sealed record ImagePreprocessing
{
    private readonly int _width = 28;
    private readonly int _height = 28;
    private readonly float[] _mean = [0f];
    private readonly float[] _std = [1f];
    private readonly long _maxPixels = 64L * 1024 * 1024;

    /// <summary>Grayscale (1 channel) or RGB (3 channels). Default: grayscale.</summary>
    public ColorMode Color { get; init; } = ColorMode.Grayscale;

    /// <summary>Width of the model input in pixels. Default 28.</summary>
    public int Width
    {
        get => _width;
        init => _width = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Width), value, "Width must be positive.");
    }

    /// <summary>Height of the model input in pixels. Default 28.</summary>
    public int Height
    {
        get => _height;
        init => _height = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Height), value, "Height must be positive.");
    }

    /// <summary>When true, values become <c>1 - x</c> before normalisation (dark ink on white becomes 1 on 0).</summary>
    public bool Invert { get; init; }

    /// <summary>Per-channel mean subtracted after scaling to [0, 1]; one value, or one per channel. Default [0].</summary>
    public IReadOnlyList<float> Mean
    {
        get => _mean;
        init => _mean = ValidateStats(value, nameof(Mean), allowZero: true);
    }

    /// <summary>Per-channel standard deviation divided by; one value, or one per channel. Default [1].</summary>
    public IReadOnlyList<float> Std
    {
        get => _std;
        init => _std = ValidateStats(value, nameof(Std), allowZero: false);
    }

    /// <summary>
    /// Largest image, in pixels (width x height as declared in the file header), that is decoded.
    /// Larger images are rejected before their pixels are allocated. Default 64 Mi pixels.
    /// </summary>
    public long MaxPixels
    {
        get => _maxPixels;
        init => _maxPixels = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxPixels), value, "MaxPixels must be positive.");
    }

    /// <summary>The number of channels of the model input: 1 for grayscale, 3 for RGB.</summary>
    public int Channels => Color == ColorMode.Grayscale ? 1 : 3;

    /// <summary>The mean for channel <paramref name="channel"/> (a single value applies to all channels).</summary>
    public float MeanOf(int channel) => _mean.Length == 1 ? _mean[0] : _mean[channel];

    /// <summary>The standard deviation for channel <paramref name="channel"/> (a single value applies to all channels).</summary>
    public float StdOf(int channel) => _std.Length == 1 ? _std[0] : _std[channel];

    /// <summary>A stable text form of everything that changes the model input (not <see cref="MaxPixels"/>).</summary>
    public string ToCanonicalString() => string.Create(
        CultureInfo.InvariantCulture,
        $"color={Color};size={Width}x{Height};invert={Invert};mean={Join(_mean)};std={Join(_std)}");

    /// <inheritdoc />
    public bool Equals(ImagePreprocessing? other) =>
        other is not null && ToCanonicalString() == other.ToCanonicalString() && MaxPixels == other.MaxPixels;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ToCanonicalString(), MaxPixels);

    private static string Join(float[] values) => string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static float[] ValidateStats(IReadOnlyList<float> values, string name, bool allowZero)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (values.Count is not (1 or 3))
        {
            throw new ArgumentException($"{name} must have 1 value or 3 (one per RGB channel); got {values.Count}.", name);
        }

        foreach (float v in values)
        {
            if (!float.IsFinite(v) || (!allowZero && v <= 0))
            {
                throw new ArgumentException($"{name} values must be finite{(allowZero ? string.Empty : " and positive")}; got {v}.", name);
            }
        }

        return values.ToArray();
    }
}
