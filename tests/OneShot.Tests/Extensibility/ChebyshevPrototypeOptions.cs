using OneShot.Classification;

namespace OneShot.Tests.Extensibility;

/// <summary>
/// An outside few-shot method, written against the public API only: nearest class mean by Chebyshev (L∞) distance,
/// a metric the library does not have, multiplied by <see cref="Scale"/>.
/// </summary>
public sealed record ChebyshevPrototypeOptions : ClassifierOptions
{
    /// <summary>A factor on the distances (to check that the codec stores method-specific settings).</summary>
    public double Scale { get; init; } = 1;

    public override IFewShotClassifier CreateClassifier() => new ChebyshevPrototypeClassifier(this);
}
