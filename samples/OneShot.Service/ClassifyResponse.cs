namespace OneShot.Service;

/// <summary>The answer of <c>POST /classify</c>: one prediction per uploaded image, in upload order.</summary>
/// <param name="Predictions">The predictions.</param>
public sealed record ClassifyResponse(IReadOnlyList<ImagePrediction> Predictions);
