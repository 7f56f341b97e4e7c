using OneShot.Classification;
using static TorchSharp.torch;

namespace OneShot.Verification;

/// <summary>
/// One-shot classification with a Siamese network (Koch et al. 2015): a query is scored against every support
/// embedding with the pair head, a class scores the best of its support examples, and the class of the
/// best-scoring support example wins.
/// </summary>
/// <remarks>Safe to use from many threads at once.</remarks>
public sealed class SiameseClassifier : IFewShotClassifier
{
    /// <summary>Creates the classifier.</summary>
    /// <param name="options">The options; defaults to a contrastive head with margin 1.</param>
    public SiameseClassifier(SiameseClassifierOptions? options = null)
    {
        Options = options ?? new SiameseClassifierOptions();
    }

    /// <inheritdoc cref="IFewShotClassifier.Options" />
    public SiameseClassifierOptions Options { get; }

    /// <inheritdoc />
    ClassifierOptions IFewShotClassifier.Options => Options;

    /// <inheritdoc cref="IFewShotClassifier.Fit" />
    public FittedSiameseClassifier Fit(Tensor supportEmbeddings, IReadOnlyList<string> labels)
    {
        var support = SupportSet.Create(supportEmbeddings, labels);
        Options.Head.EnsureFits(support.EmbeddingSize, nameof(supportEmbeddings));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var copy = SupportSet.CopyToCpuFloat(supportEmbeddings);
        return new FittedSiameseClassifier(Options, support, copy.DetachFromDisposeScope());
    }

    /// <inheritdoc />
    IFittedClassifier IFewShotClassifier.Fit(Tensor supportEmbeddings, IReadOnlyList<string> labels) =>
        Fit(supportEmbeddings, labels);
}
