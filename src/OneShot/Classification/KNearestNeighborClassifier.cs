using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// The k-nearest-neighbour classifier: the k support embeddings nearest to a query vote for their classes,
/// weighted by <c>1 / (distance + ε)</c> or uniformly.
/// </summary>
/// <remarks>Safe to use from many threads at once.</remarks>
public sealed class KNearestNeighborClassifier : IFewShotClassifier
{
    /// <summary>Creates the classifier.</summary>
    /// <param name="options">The options; defaults to k = 3, distance-weighted votes, squared Euclidean distance.</param>
    public KNearestNeighborClassifier(KNearestNeighborOptions? options = null)
    {
        Options = options ?? new KNearestNeighborOptions();
    }

    /// <inheritdoc cref="IFewShotClassifier.Options" />
    public KNearestNeighborOptions Options { get; }

    /// <inheritdoc />
    ClassifierOptions IFewShotClassifier.Options => Options;

    /// <inheritdoc cref="IFewShotClassifier.Fit" />
    public FittedKNearestNeighborClassifier Fit(Tensor supportEmbeddings, IReadOnlyList<string> labels)
    {
        var support = SupportSet.Create(supportEmbeddings, labels);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var copy = SupportSet.CopyToCpuFloat(supportEmbeddings);
        return new FittedKNearestNeighborClassifier(Options, support, copy.DetachFromDisposeScope());
    }

    /// <inheritdoc />
    IFittedClassifier IFewShotClassifier.Fit(Tensor supportEmbeddings, IReadOnlyList<string> labels) =>
        Fit(supportEmbeddings, labels);
}
