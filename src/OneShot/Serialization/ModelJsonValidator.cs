using System.Globalization;

namespace OneShot.Serialization;

/// <summary>
/// Checks the values of a parsed <c>model.json</c> before anything is built from them, so that a hand-edited or
/// damaged file fails with a <see cref="ModelFormatException"/> naming the file and the field instead of a libtorch
/// allocation failure, a later <see cref="ArgumentException"/> or NaN embeddings. The accepted ranges:
/// <list type="bullet">
/// <item><c>preprocessing.color</c>: <c>grayscale</c> (1 channel) or <c>rgb</c> (3 channels).</item>
/// <item><c>preprocessing.width</c> and <c>height</c>: <see cref="MinInputSize"/> to <see cref="MaxInputSize"/> pixels
/// (the architecture may need more; that is reported when the network is built).</item>
/// <item><c>preprocessing.mean</c>: one value, or one per channel; each finite, within ±<see cref="MaxAbsMean"/>.</item>
/// <item><c>preprocessing.std</c>: one value, or one per channel; each finite, <see cref="MinStd"/> to <see cref="MaxStd"/>
/// (inputs are scaled to [0, 1] first, so a smaller deviation only amplifies noise, and a tiny one overflows).</item>
/// <item><c>embeddingSize</c>: positive; <c>weights.bytes</c>: not negative; <c>weights.sha256</c>: 64 hex digits.</item>
/// </list>
/// To check a new field, add a line to <see cref="ValidatePreprocessing"/> (or a sibling method) using the helpers below.
/// </summary>
internal static class ModelJsonValidator
{
    /// <summary>The smallest input width or height accepted, in pixels.</summary>
    public const int MinInputSize = 8;

    /// <summary>The largest input width or height accepted, in pixels.</summary>
    public const int MaxInputSize = 4096;

    /// <summary>The smallest standard deviation accepted.</summary>
    public const float MinStd = 1e-3f;

    /// <summary>The largest standard deviation accepted.</summary>
    public const float MaxStd = 1e3f;

    /// <summary>The largest absolute mean accepted.</summary>
    public const float MaxAbsMean = 1e3f;

    /// <summary>Checks <paramref name="json"/>, read from <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">A value is out of range; the message names the file, the field, the value and the range.</exception>
    public static void Validate(ModelJson json, string path)
    {
        ArgumentNullException.ThrowIfNull(json);
        ValidatePreprocessing(json.Preprocessing, path);
        if (json.EmbeddingSize <= 0)
        {
            throw Invalid(path, "embeddingSize", json.EmbeddingSize, "a positive length");
        }

        if (json.Weights.Bytes < 0)
        {
            throw Invalid(path, "weights.bytes", json.Weights.Bytes, "a length of 0 or more bytes");
        }

        if (json.Weights.Sha256 is not { Length: 64 } sha || !sha.All(char.IsAsciiHexDigit))
        {
            throw new ModelFormatException(path, $"Model metadata '{path}' has weights.sha256 '{json.Weights.Sha256}'; expected 64 hexadecimal digits.");
        }
    }

    private static void ValidatePreprocessing(PreprocessingJson p, string path)
    {
        int channels = p.Color switch
        {
            "grayscale" => 1,
            "rgb" => 3,
            _ => throw new ModelFormatException(path, $"Model metadata '{path}' has preprocessing.color '{p.Color}'; expected 'grayscale' or 'rgb'."),
        };
        InRange(path, "preprocessing.width", p.Width, MinInputSize, MaxInputSize, " pixels");
        InRange(path, "preprocessing.height", p.Height, MinInputSize, MaxInputSize, " pixels");
        PerChannel(path, "preprocessing.mean", p.Mean, channels, p.Color, -MaxAbsMean, MaxAbsMean);
        PerChannel(path, "preprocessing.std", p.Std, channels, p.Color, MinStd, MaxStd);
        if (p.ContentCropMargin is { } margin && !(margin is >= 0f and <= 0.45f))
        {
            throw Invalid(path, "preprocessing.contentCropMargin", margin, "a margin from 0 to 0.45 of the side");
        }
    }

    /// <summary>Checks that <paramref name="value"/> lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    private static void InRange(string path, string field, int value, int min, int max, string unit)
    {
        if (value < min || value > max)
        {
            throw Invalid(path, field, value, $"{min} to {max}{unit}");
        }
    }

    /// <summary>Checks a per-channel list: one value (for every channel) or one per channel, each finite in [min, max].</summary>
    private static void PerChannel(string path, string field, float[]? values, int channels, string color, float min, float max)
    {
        if (values is null || (values.Length != 1 && values.Length != channels))
        {
            string expected = channels == 1 ? "1 value" : $"1 value or {channels} (one per channel)";
            throw new ModelFormatException(
                path,
                $"Model metadata '{path}' has {values?.Length ?? 0} values in {field} for a {color} model; expected {expected}.");
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]) || values[i] < min || values[i] > max)
            {
                throw Invalid(path, $"{field}[{i}]", values[i], $"a finite value from {Format(min)} to {Format(max)}");
            }
        }
    }

    private static ModelFormatException Invalid(string path, string field, IFormattable value, string expected) =>
        new(path, $"Model metadata '{path}' has {field} = {value.ToString(null, CultureInfo.InvariantCulture)}; expected {expected}.");

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
