using OneShot.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>Applies a <see cref="FeatureTransform"/> to embeddings <c>[N,D]</c>.</summary>
internal static class FeatureTransformer
{
    /// <summary>The transformed embeddings, registered in the current dispose scope.</summary>
    /// <param name="x">Float32 embeddings <c>[N,D]</c>.</param>
    /// <param name="transform">The transform.</param>
    /// <param name="mean">The centering mean <c>[D]</c>; required by <see cref="FeatureTransform.CenterThenL2Normalize"/>.</param>
    public static Tensor Apply(Tensor x, FeatureTransform transform, Tensor? mean) => transform switch
    {
        FeatureTransform.None => x,
        FeatureTransform.L2Normalize => nn.functional.normalize(x, p: 2, dim: 1),
        FeatureTransform.CenterThenL2Normalize => nn.functional.normalize(x - mean!, p: 2, dim: 1),
        _ => throw new ArgumentOutOfRangeException(nameof(transform), transform, "Unknown feature transform."),
    };

    /// <summary>
    /// The centering mean of <paramref name="options"/> as a float32 CPU tensor <c>[D]</c> owned by the caller, or null
    /// when the transform does not center.
    /// </summary>
    /// <exception cref="ArgumentException">The mean's length differs from <paramref name="embeddingSize"/>.</exception>
    public static Tensor? CenteringTensor(PrototypeClassifierOptions options, int embeddingSize, string parameterName)
    {
        if (options.Transform != FeatureTransform.CenterThenL2Normalize)
        {
            return null;
        }

        var mean = options.CenteringMean!;
        if (mean.Count != embeddingSize)
        {
            throw new ArgumentException(
                $"PrototypeClassifierOptions.CenteringMean has {mean.Count} values but the embeddings have D = {embeddingSize}; compute the mean with the same embedder (FeatureMean.Compute).",
                parameterName);
        }

        return tensor(mean.ToArray());
    }
}
