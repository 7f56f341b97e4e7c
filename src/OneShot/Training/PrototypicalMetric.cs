namespace OneShot.Training;

/// <summary>How a query is compared with the class prototypes in the prototypical loss and in episode evaluation.</summary>
public enum PrototypicalMetric
{
    /// <summary>Logits are negative squared Euclidean distances, as in Prototypical Networks (Snell et al. 2017).</summary>
    SquaredEuclidean = 0,

    /// <summary>Logits are cosine similarities times a scale (a temperature), so the softmax is not too flat.</summary>
    Cosine = 1,
}
