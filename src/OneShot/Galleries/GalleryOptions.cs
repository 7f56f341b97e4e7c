using OneShot.Classification;
using OneShot.Verification;

namespace OneShot.Galleries;

/// <summary>
/// How a <see cref="Gallery"/> classifies. Saved in gallery files (format 3) as JSON by <see cref="ClassifierRegistry"/>;
/// <see cref="Gallery.Load"/> uses the saved classifier unless the caller passes options.
/// </summary>
public sealed record GalleryOptions
{
    private readonly ClassifierOptions _classifier = new PrototypeClassifierOptions();

    /// <summary>
    /// The few-shot method and its settings: <see cref="PrototypeClassifierOptions"/> (the default: nearest class mean,
    /// squared Euclidean distance, temperature 1, top-5, no open-set threshold), <see cref="KNearestNeighborOptions"/>,
    /// <see cref="LinearProbeClassifierOptions"/>, <see cref="CosineHeadClassifierOptions"/>,
    /// <see cref="SiameseClassifierOptions"/> or an outside method registered with <see cref="ClassifierRegistry.Register"/>
    /// (options of an unregistered type still classify, but <see cref="Gallery.Save(string)"/> refuses them).
    /// </summary>
    public ClassifierOptions Classifier
    {
        get => _classifier;
        init => _classifier = value ?? throw new ArgumentNullException(nameof(Classifier));
    }
}
