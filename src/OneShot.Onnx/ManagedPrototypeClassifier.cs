namespace OneShot.Onnx;

/// <summary>
/// Nearest-prototype classification over plain <c>float[]</c> embeddings with the cosine distance: each class is the
/// mean of its enrolled embeddings, a query gets the label of the closest mean. Needs no TorchSharp, so it deploys
/// with <see cref="OnnxEmbeddingModel"/> alone. Not thread-safe while enrolling; predicting from many threads is safe.
/// </summary>
public sealed class ManagedPrototypeClassifier
{
    private readonly Dictionary<string, (double[] Sum, int Count)> _classes = new(StringComparer.Ordinal);

    /// <summary>Creates an empty classifier for embeddings of length <paramref name="embeddingSize"/>.</summary>
    public ManagedPrototypeClassifier(int embeddingSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingSize);
        EmbeddingSize = embeddingSize;
    }

    /// <summary>The embedding length.</summary>
    public int EmbeddingSize { get; }

    /// <summary>The enrolled labels, in ordinal order.</summary>
    public IReadOnlyList<string> Labels => _classes.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Adds one example embedding of class <paramref name="label"/>.</summary>
    public void Enroll(string label, ReadOnlySpan<float> embedding)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        CheckLength(embedding, nameof(embedding));
        if (!_classes.TryGetValue(label, out var entry))
        {
            entry = (new double[EmbeddingSize], 0);
        }

        for (int i = 0; i < EmbeddingSize; i++)
        {
            entry.Sum[i] += embedding[i];
        }

        _classes[label] = (entry.Sum, entry.Count + 1);
    }

    /// <summary>The closest class prototype to <paramref name="embedding"/> and its cosine distance (in [0, 2]).</summary>
    /// <exception cref="InvalidOperationException">Nothing is enrolled.</exception>
    public ManagedPrediction Predict(ReadOnlySpan<float> embedding)
    {
        CheckLength(embedding, nameof(embedding));
        if (_classes.Count == 0)
        {
            throw new InvalidOperationException("No class is enrolled; call Enroll first.");
        }

        string best = string.Empty;
        float bestDistance = float.PositiveInfinity;
        float[] prototype = new float[EmbeddingSize];
        foreach (var (label, (sum, count)) in _classes.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            for (int i = 0; i < EmbeddingSize; i++)
            {
                prototype[i] = (float)(sum[i] / count);
            }

            float distance = VectorMath.CosineDistance(embedding, prototype);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (label, distance);
            }
        }

        return new ManagedPrediction(best, bestDistance);
    }

    private void CheckLength(ReadOnlySpan<float> embedding, string name)
    {
        if (embedding.Length != EmbeddingSize)
        {
            throw new ArgumentException($"Expected an embedding of {EmbeddingSize} values; got {embedding.Length}.", name);
        }
    }
}
