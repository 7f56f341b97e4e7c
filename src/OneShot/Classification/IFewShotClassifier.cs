using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// A few-shot classification method: set the support (a few labelled embeddings), get a fitted classifier
/// that scores queries.
/// </summary>
public interface IFewShotClassifier
{
    /// <summary>The options of this classifier.</summary>
    ClassifierOptions Options { get; }

    /// <summary>
    /// Fits the classifier to labelled support embeddings. The result owns copies of what it needs, so
    /// <paramref name="supportEmbeddings"/> may be changed or disposed afterwards.
    /// </summary>
    /// <param name="supportEmbeddings">Support embeddings <c>[S,D]</c>, floating point, S at least 1.</param>
    /// <param name="labels">One label per support row. Classes are ordered by first appearance.</param>
    /// <exception cref="ArgumentException">
    /// The shape is wrong, the label count differs from S, or a label is empty, whitespace or <see cref="Prediction.UnknownLabel"/>.
    /// </exception>
    IFittedClassifier Fit(Tensor supportEmbeddings, IReadOnlyList<string> labels);
}
