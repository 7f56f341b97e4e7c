namespace OneShot.Classification;

/// <summary>How the distance between two embeddings is measured. Smaller always means more similar.</summary>
public enum DistanceMetric
{
    /// <summary>
    /// The squared Euclidean distance <c>‖q − s‖²</c>, the distance of Prototypical Networks.
    /// </summary>
    SquaredEuclidean = 0,

    /// <summary>The Euclidean distance <c>‖q − s‖</c>.</summary>
    Euclidean = 1,

    /// <summary>
    /// The cosine distance <c>1 − cos(q, s)</c>, in [0, 2]. A zero vector has cosine similarity 0 with everything.
    /// </summary>
    Cosine = 2,
}
