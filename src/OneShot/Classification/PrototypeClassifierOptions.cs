using OneShot.Evaluation;
namespace OneShot.Classification;

/// <summary>Options of a <see cref="PrototypeClassifier"/>: nearest class mean (Prototypical Networks).</summary>
/// <remarks>
/// With a <see cref="Transform"/> (SimpleShot), support and query embeddings are transformed the same way before
/// prototypes are averaged and distances measured. Equality compares <see cref="CenteringMean"/> value by value.
/// </remarks>
public sealed record PrototypeClassifierOptions : ClassifierOptions
{
    private readonly FeatureTransform _transform = FeatureTransform.None;
    private readonly float[]? _centeringMean;

    /// <summary>
    /// The feature transform applied to support and query embeddings. Default <see cref="FeatureTransform.None"/>.
    /// <see cref="FeatureTransform.CenterThenL2Normalize"/> needs <see cref="CenteringMean"/>.
    /// </summary>
    public FeatureTransform Transform
    {
        get => _transform;
        init => _transform = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Transform), value, "Unknown feature transform.");
    }

    /// <summary>
    /// The mean embedding of the base (training) classes, subtracted by <see cref="FeatureTransform.CenterThenL2Normalize"/>;
    /// compute it with <see cref="FeatureMean.Compute"/>. Its length must equal the embedding length D, which
    /// <see cref="PrototypeClassifier.Fit"/> checks. Values must be finite. Null (the default) when not centering.
    /// </summary>
    public IReadOnlyList<float>? CenteringMean
    {
        get => _centeringMean;
        init
        {
            if (value is not null && (value.Count == 0 || value.Any(v => !float.IsFinite(v))))
            {
                throw new ArgumentException(
                    $"CenteringMean must hold at least one value, all finite; got {value.Count} values{(value.Count == 0 ? string.Empty : ", some not finite")}.",
                    nameof(CenteringMean));
            }

            _centeringMean = value?.ToArray();
        }
    }

    /// <inheritdoc />
    public override IFewShotClassifier CreateClassifier() => new PrototypeClassifier(this);

    /// <inheritdoc />
    public bool Equals(PrototypeClassifierOptions? other) =>
        other is not null
        && base.Equals(other)
        && _transform == other._transform
        && (_centeringMean is null ? other._centeringMean is null : other._centeringMean is not null && _centeringMean.SequenceEqual(other._centeringMean));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), _transform, _centeringMean?.Length);
}
