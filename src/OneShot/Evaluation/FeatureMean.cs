using OneShot.Classification;
using OneShot.Data;
using OneShot.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Evaluation;

/// <summary>
/// The mean embedding of a dataset, for SimpleShot centering (<see cref="FeatureTransform.CenterThenL2Normalize"/>,
/// <see cref="PrototypeClassifierOptions.CenteringMean"/>).
/// </summary>
public static class FeatureMean
{
    private const int ChunkImages = 256;

    /// <summary>
    /// The mean of the embeddings of every item of <paramref name="dataset"/> (usually the base classes the embedder
    /// was trained on), each item weighted equally, accumulated in double precision.
    /// </summary>
    /// <param name="embedder">The embedder whose embeddings are averaged.</param>
    /// <param name="dataset">The items; their shape must fit the embedder.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The mean embedding, <see cref="IEmbedder.EmbeddingSize"/> values.</returns>
    /// <exception cref="ArgumentException">The dataset is empty or its item shape does not fit the embedder.</exception>
    public static float[] Compute(IEmbedder embedder, IClassDataset dataset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(dataset);
        Training.DatasetShape.EnsureFits(embedder, dataset, nameof(dataset));
        var sum = new double[embedder.EmbeddingSize];
        long count = 0;
        for (int c = 0; c < dataset.Classes.Count; c++)
        {
            int n = dataset.CountOf(c);
            for (int start = 0; start < n; start += ChunkImages)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int length = Math.Min(ChunkImages, n - start);
                using var scope = NewDisposeScope();
                var images = dataset.Load(c, Enumerable.Range(start, length).ToArray());
                var embeddings = embedder.Embed(images).to_type(ScalarType.Float64).sum(dim: 0);
                double[] part = embeddings.data<double>().ToArray();
                for (int d = 0; d < sum.Length; d++)
                {
                    sum[d] += part[d];
                }

                count += length;
            }
        }

        if (count == 0)
        {
            throw new ArgumentException("The dataset has no items; expected at least one to average.", nameof(dataset));
        }

        return sum.Select(s => (float)(s / count)).ToArray();
    }
}
