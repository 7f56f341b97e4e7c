namespace OneShot.Classification;

/// <summary>Options of a <see cref="PrototypeClassifier"/>: nearest class mean (Prototypical Networks).</summary>
public sealed record PrototypeClassifierOptions : ClassifierOptions
{
    /// <inheritdoc />
    public override IFewShotClassifier CreateClassifier() => new PrototypeClassifier(this);
}
