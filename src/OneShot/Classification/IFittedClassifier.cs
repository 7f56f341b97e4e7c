using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>A classifier fitted to a support set; immutable, it scores query embeddings.</summary>
/// <remarks>
/// <see cref="Predict"/> and <see cref="PredictProbabilities"/> are safe to call from many threads at once.
/// <see cref="IDisposable.Dispose"/> is not: call it when no prediction is in flight.
/// </remarks>
public interface IFittedClassifier : IDisposable
{
    /// <summary>The options the classifier was fitted with.</summary>
    ClassifierOptions Options { get; }

    /// <summary>The classes, in order of first appearance in the support labels; the columns of <see cref="PredictProbabilities"/>.</summary>
    IReadOnlyList<string> Classes { get; }

    /// <summary>The embedding length D that queries must have.</summary>
    int EmbeddingSize { get; }

    /// <summary>Classifies each query embedding.</summary>
    /// <param name="queries">Query embeddings <c>[Q,D]</c>, floating point, on any device.</param>
    /// <returns>One prediction per query, in order.</returns>
    /// <exception cref="ArgumentException">The shape or embedding length is wrong.</exception>
    IReadOnlyList<Prediction> Predict(Tensor queries);

    /// <summary>The probability of every class for each query.</summary>
    /// <param name="queries">Query embeddings <c>[Q,D]</c>, floating point, on any device.</param>
    /// <returns>A new float32 CPU tensor <c>[Q,C]</c> owned by the caller; rows sum to 1; columns follow <see cref="Classes"/>.</returns>
    Tensor PredictProbabilities(Tensor queries);
}
