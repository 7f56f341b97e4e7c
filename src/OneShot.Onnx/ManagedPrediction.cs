namespace OneShot.Onnx;

/// <summary>The result of <see cref="ManagedPrototypeClassifier.Predict"/>.</summary>
/// <param name="Label">The label of the closest class prototype.</param>
/// <param name="Distance">The cosine distance to that prototype, in [0, 2].</param>
public sealed record ManagedPrediction(string Label, float Distance);
