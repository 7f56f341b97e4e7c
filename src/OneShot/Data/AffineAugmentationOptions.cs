namespace OneShot.Data;

/// <summary>
/// The ranges of random affine distortions applied by <see cref="AffineAugmentation"/>. Defaults roughly follow
/// Koch et al. (2015) on 105x105 Omniglot: rotation ±10°, shear ±0.3 rad (about ±17°), scale 0.8–1.2 and
/// translation ±2 px of 105 (a fraction of 2/105 of the image size).
/// </summary>
public sealed record AffineAugmentationOptions
{
    private readonly double _rotationDegrees = 10;
    private readonly double _shearDegrees = 17;
    private readonly double _scaleMin = 0.8;
    private readonly double _scaleMax = 1.2;
    private readonly double _translateFraction = 2.0 / 105;

    /// <summary>Options that change nothing: no rotation, shear or translation and scale 1.</summary>
    public static AffineAugmentationOptions Identity { get; } = new()
    {
        RotationDegrees = 0,
        ShearDegrees = 0,
        ScaleMin = 1,
        ScaleMax = 1,
        TranslateFraction = 0,
    };

    /// <summary>Rotation is drawn uniformly from ±this many degrees, in [0, 180]. Default 10.</summary>
    public double RotationDegrees { get => _rotationDegrees; init => _rotationDegrees = InRange(value, 0, 180, nameof(RotationDegrees)); }

    /// <summary>Horizontal shear angle is drawn uniformly from ±this many degrees, in [0, 60]. Default 17 (about 0.3 rad).</summary>
    public double ShearDegrees { get => _shearDegrees; init => _shearDegrees = InRange(value, 0, 60, nameof(ShearDegrees)); }

    /// <summary>The smallest scale factor, in (0, 10]; must not exceed <see cref="ScaleMax"/>. Default 0.8.</summary>
    public double ScaleMin
    {
        get => _scaleMin;
        init => _scaleMin = InRange(value, double.Epsilon, 10, nameof(ScaleMin));
    }

    /// <summary>The largest scale factor, in (0, 10]; must not be below <see cref="ScaleMin"/>. Default 1.2.</summary>
    public double ScaleMax
    {
        get => _scaleMax;
        init => _scaleMax = InRange(value, double.Epsilon, 10, nameof(ScaleMax));
    }

    /// <summary>Shifts along each axis are drawn uniformly from ±this fraction of the image size, in [0, 1]. Default 2/105.</summary>
    public double TranslateFraction { get => _translateFraction; init => _translateFraction = InRange(value, 0, 1, nameof(TranslateFraction)); }

    /// <summary>True when these options leave every image unchanged.</summary>
    public bool IsIdentity => RotationDegrees == 0 && ShearDegrees == 0 && ScaleMin == 1 && ScaleMax == 1 && TranslateFraction == 0;

    /// <summary>Throws when <see cref="ScaleMin"/> exceeds <see cref="ScaleMax"/> (checked when the options are used, since init order is free).</summary>
    internal void Validate()
    {
        if (ScaleMin > ScaleMax)
        {
            throw new ArgumentException($"AffineAugmentationOptions.ScaleMin ({ScaleMin}) must not exceed ScaleMax ({ScaleMax}).", "options");
        }
    }

    private static double InRange(double value, double min, double max, string name) =>
        double.IsFinite(value) && value >= min && value <= max
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [{min}, {max}].");
}
