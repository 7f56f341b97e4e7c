using OneShot.Classification;

namespace OneShot.Galleries;

/// <summary>How a <see cref="Gallery"/> classifies. Not stored in gallery files: choose them again when loading.</summary>
public sealed record GalleryOptions
{
    private readonly ClassifierOptions _classifier = new PrototypeClassifierOptions();

    /// <summary>
    /// The classifier and its settings: <see cref="PrototypeClassifierOptions"/> (the default: nearest class mean,
    /// squared Euclidean distance, temperature 1, top-5, no open-set threshold) or
    /// <see cref="KNearestNeighborOptions"/> (k, vote weighting), each with metric, temperature, top-k and
    /// open-set threshold.
    /// </summary>
    public ClassifierOptions Classifier
    {
        get => _classifier;
        init => _classifier = value ?? throw new ArgumentNullException(nameof(Classifier));
    }
}
