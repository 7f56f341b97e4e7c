using System.Globalization;

namespace OneShot.Data;

/// <summary>
/// How an image file becomes a model input: alpha composited on <see cref="Background"/>, colour mode,
/// optionally cut to its content (<see cref="ContentCropMargin"/>), antialiased resize (or resize and centre crop, <see cref="Resize"/>) to <see cref="Width"/> x <see cref="Height"/>,
/// optional inversion, then the channel order (<see cref="ChannelOrder"/>), the value range (<see cref="Range"/>), an
/// optional per-pixel <see cref="MeanImage"/> subtracted, and per-channel normalisation <c>(x - Mean[c]) / Std[c]</c>.
/// Presets for common pretrained models are in <see cref="PreprocessingPresets"/>.
/// </summary>
/// <remarks>
/// Part of an embedder's identity: a gallery built with one preprocessing must not be searched with another,
/// so it is included in the embedder fingerprint through <see cref="ToCanonicalString"/>.
/// <see cref="Limits"/> (with <see cref="MaxPixels"/>) are safety limits, not part of that identity.
/// </remarks>
public sealed record ImagePreprocessing
{
    private readonly int _width = 28;
    private readonly int _height = 28;
    private readonly float[] _mean = [0f];
    private readonly float[] _std = [1f];
    private readonly ImageLimits _limits = ImageLimits.Default;
    private readonly float _cropFraction = 1f;
    private readonly float? _contentCropMargin;

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

    /// <summary>The order of the colour planes of an RGB input. Default <see cref="Data.ChannelOrder.Rgb"/>; ignored for grayscale.</summary>
    public ChannelOrder ChannelOrder { get; init; } = ChannelOrder.Rgb;

    /// <summary>Whether pixel values are in [0, 1] (default) or [0, 255] before the means are subtracted.</summary>
    public PixelRange Range { get; init; } = PixelRange.ZeroToOne;

    /// <summary>Plain resize (default) or resize keeping the aspect ratio then centre crop.</summary>
    public ResizeMode Resize { get; init; } = ResizeMode.Stretch;

    /// <summary>
    /// With <see cref="ResizeMode.CenterCrop"/>, the share of the resized image's shorter side that the crop keeps:
    /// 1 (default) crops the centre square of an image resized to cover the input, 0.875 is torchvision's 256 then 224.
    /// </summary>
    public float CropFraction
    {
        get => _cropFraction;
        init => _cropFraction = value is > 0f and <= 1f ? value : throw new ArgumentOutOfRangeException(nameof(CropFraction), value, "CropFraction must be in (0, 1].");
    }

    /// <summary>The colour transparent pixels are composited on. Default white.</summary>
    public RgbColor Background { get; init; } = RgbColor.White;

    /// <summary>
    /// When set, each image is first cut to its content and centred on a square of <see cref="Background"/> with this
    /// share of the side as the margin on each side (0 to 0.45; 1/32 keeps 2 of 64 pixels), before the resize. Content
    /// is every pixel that differs from <see cref="Background"/> by more than 1/16 in some channel after compositing,
    /// so a transparent border, or a plain background of that colour, is cut. Icons, emoji, logos and product cut-outs
    /// drawn at different sizes and offsets then line up; a blank image is left as it is. Null (default) for none.
    /// </summary>
    public float? ContentCropMargin
    {
        get => _contentCropMargin;
        init => _contentCropMargin = CheckContentCropMargin(value);
    }

    /// <summary><paramref name="value"/> when it is a valid <see cref="ContentCropMargin"/> (null, or 0 to 0.45).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The margin is outside [0, 0.45].</exception>
    internal static float? CheckContentCropMargin(float? value) =>
        value is null or (>= 0f and <= 0.45f) ? value : throw new ArgumentOutOfRangeException(nameof(ContentCropMargin), value, "ContentCropMargin must be null (no crop) or in [0, 0.45].");

    /// <summary>
    /// A per-pixel mean subtracted after the channel order and range are applied and before <see cref="Mean"/>
    /// and <see cref="Std"/>; null (default) for none. Its size must be <see cref="Channels"/> x <see cref="Height"/> x <see cref="Width"/>.
    /// </summary>
    public MeanImage? MeanImage { get; init; }

    /// <summary>
    /// Largest image, in pixels (width x height as declared in the file header), that is decoded.
    /// Larger images are rejected before their pixels are allocated. Default 64 Mi pixels. The same value as
    /// <see cref="Limits"/>.<see cref="ImageLimits.MaxPixels"/>; setting one sets the other.
    /// </summary>
    public long MaxPixels
    {
        get => _limits.MaxPixels;
        init => _limits = _limits with { MaxPixels = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxPixels), value, "MaxPixels must be positive.") };
    }

    /// <summary>
    /// The limits on pixels, encoded bytes and batch memory applied when images are decoded with this preprocessing.
    /// Default <see cref="ImageLimits.Default"/>. Not part of the model's identity (<see cref="ToCanonicalString"/>).
    /// </summary>
    public ImageLimits Limits
    {
        get => _limits;
        init => _limits = value ?? throw new ArgumentNullException(nameof(Limits));
    }

    /// <summary>The number of channels of the model input: 1 for grayscale, 3 for RGB.</summary>
    public int Channels => Color == ColorMode.Grayscale ? 1 : 3;

    /// <summary>The mean for channel <paramref name="channel"/> (a single value applies to all channels).</summary>
    public float MeanOf(int channel) => _mean.Length == 1 ? _mean[0] : _mean[channel];

    /// <summary>The standard deviation for channel <paramref name="channel"/> (a single value applies to all channels).</summary>
    public float StdOf(int channel) => _std.Length == 1 ? _std[0] : _std[channel];

    /// <summary>A stable text form of everything that changes the model input (not <see cref="Limits"/>).</summary>
    /// <remarks>Settings at their defaults are left out, so the text (and fingerprints) of older models stay the same.</remarks>
    public string ToCanonicalString()
    {
        string text = string.Create(
            CultureInfo.InvariantCulture,
            $"color={Color};size={Width}x{Height};invert={Invert};mean={Join(_mean)};std={Join(_std)}");
        if (ChannelOrder != ChannelOrder.Rgb)
        {
            text += $";order={ChannelOrder}";
        }

        if (Range != PixelRange.ZeroToOne)
        {
            text += $";range={Range}";
        }

        if (ContentCropMargin is { } margin)
        {
            text += string.Create(CultureInfo.InvariantCulture, $";content-crop={margin:R}");
        }

        if (Resize != ResizeMode.Stretch)
        {
            text += string.Create(CultureInfo.InvariantCulture, $";resize={Resize};crop={CropFraction:R}");
        }

        if (Background != RgbColor.White)
        {
            text += $";background={Background}";
        }

        if (MeanImage is not null)
        {
            text += $";meanImage={MeanImage.Sha256}";
        }

        return text;
    }

    /// <inheritdoc />
    public bool Equals(ImagePreprocessing? other) =>
        other is not null && ToCanonicalString() == other.ToCanonicalString() && Limits == other.Limits;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ToCanonicalString(), Limits);

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
