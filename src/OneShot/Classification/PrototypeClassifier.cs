using OneShot.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// The nearest-prototype classifier of Prototypical Networks: each class is represented by the mean of its
/// support embeddings and a query belongs to the nearest mean.
/// </summary>
/// <remarks>
/// With <see cref="DistanceMetric.Cosine"/> the prototype is the mean of the L2-normalised support embeddings
/// (its direction is what cosine distance compares). Safe to use from many threads at once.
/// </remarks>
public sealed class PrototypeClassifier : IFewShotClassifier
{
    /// <summary>Creates the classifier.</summary>
    /// <param name="options">The options; defaults to squared Euclidean distance, temperature 1, top-5, no threshold.</param>
    /// <exception cref="ArgumentException">
    /// <see cref="PrototypeClassifierOptions.Transform"/> is <see cref="FeatureTransform.CenterThenL2Normalize"/> without a
    /// <see cref="PrototypeClassifierOptions.CenteringMean"/>.
    /// </exception>
    public PrototypeClassifier(PrototypeClassifierOptions? options = null)
    {
        Options = options ?? new PrototypeClassifierOptions();
        if (Options.Transform == FeatureTransform.CenterThenL2Normalize && Options.CenteringMean is null)
        {
            throw new ArgumentException(
                "PrototypeClassifierOptions.Transform is CenterThenL2Normalize but CenteringMean is null; set it to the base-class mean embedding (FeatureMean.Compute).",
                nameof(options));
        }
    }

    /// <inheritdoc cref="IFewShotClassifier.Options" />
    public PrototypeClassifierOptions Options { get; }

    /// <inheritdoc />
    ClassifierOptions IFewShotClassifier.Options => Options;

    /// <inheritdoc cref="IFewShotClassifier.Fit" />
    /// <remarks>The <see cref="PrototypeClassifierOptions.Transform"/> is applied to the support embeddings first.</remarks>
    public FittedPrototypeClassifier Fit(Tensor supportEmbeddings, IReadOnlyList<string> labels)
    {
        var support = SupportSet.Create(supportEmbeddings, labels);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var mean = FeatureTransformer.CenteringTensor(Options, support.EmbeddingSize, nameof(supportEmbeddings));
        var x = FeatureTransformer.Apply(supportEmbeddings.detach().cpu().to_type(ScalarType.Float32), Options.Transform, mean);
        if (Options.Metric == DistanceMetric.Cosine)
        {
            x = nn.functional.normalize(x, p: 2, dim: 1);
        }

        var index = tensor(support.ClassIndices.Select(i => (long)i).ToArray());
        var sums = zeros(support.Classes.Length, support.EmbeddingSize).index_add_(0, index, x, TorchScalars.One);
        var counts = tensor(support.ClassCounts.Select(c => (float)c).ToArray()).unsqueeze(1);
        var prototypes = sums.div_(counts).contiguous();
        return new FittedPrototypeClassifier(Options, support.Classes, prototypes.DetachFromDisposeScope(), mean?.DetachFromDisposeScope());
    }

    /// <inheritdoc />
    IFittedClassifier IFewShotClassifier.Fit(Tensor supportEmbeddings, IReadOnlyList<string> labels) =>
        Fit(supportEmbeddings, labels);
}
