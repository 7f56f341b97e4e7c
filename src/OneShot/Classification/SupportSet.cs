using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>Validated support labels: the classes in order of first appearance and each row's class index.</summary>
internal sealed class SupportSet
{
    private SupportSet(string[] classes, int[] classIndices, int[] classCounts, int embeddingSize)
    {
        Classes = classes;
        ClassIndices = classIndices;
        ClassCounts = classCounts;
        EmbeddingSize = embeddingSize;
    }

    public string[] Classes { get; }

    public int[] ClassIndices { get; }

    public int[] ClassCounts { get; }

    public int EmbeddingSize { get; }

    /// <summary>Checks the support tensor and labels and indexes the classes.</summary>
    public static SupportSet Create(Tensor supportEmbeddings, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(supportEmbeddings);
        ArgumentNullException.ThrowIfNull(labels);
        if (supportEmbeddings.dim() != 2 || supportEmbeddings.shape[0] == 0 || supportEmbeddings.shape[1] == 0)
        {
            throw new ArgumentException(
                $"Expected support embeddings of shape [S,D] with S and D at least 1; got [{string.Join(",", supportEmbeddings.shape)}].",
                nameof(supportEmbeddings));
        }

        if (!supportEmbeddings.is_floating_point())
        {
            throw new ArgumentException($"Expected floating-point support embeddings; got {supportEmbeddings.dtype}.", nameof(supportEmbeddings));
        }

        if (labels.Count != supportEmbeddings.shape[0])
        {
            throw new ArgumentException(
                $"Expected one label per support embedding ({supportEmbeddings.shape[0]}); got {labels.Count} labels.",
                nameof(labels));
        }

        var classes = new List<string>();
        var counts = new List<int>();
        var lookup = new Dictionary<string, int>(StringComparer.Ordinal);
        var indices = new int[labels.Count];
        for (int i = 0; i < labels.Count; i++)
        {
            string label = labels[i];
            ValidateLabel(label, nameof(labels));
            if (!lookup.TryGetValue(label, out int index))
            {
                index = classes.Count;
                lookup.Add(label, index);
                classes.Add(label);
                counts.Add(0);
            }

            indices[i] = index;
            counts[index]++;
        }

        return new SupportSet([.. classes], indices, [.. counts], (int)supportEmbeddings.shape[1]);
    }

    /// <summary>Rejects null, empty and whitespace labels and the reserved <see cref="Prediction.UnknownLabel"/>.</summary>
    public static void ValidateLabel(string? label, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(label))
        {
            throw new ArgumentException("A label must not be null, empty or whitespace.", parameterName);
        }

        if (label == Prediction.UnknownLabel)
        {
            throw new ArgumentException(
                $"The label '{Prediction.UnknownLabel}' is reserved for open-set rejections (Prediction.UnknownLabel); use another name.",
                parameterName);
        }
    }

    /// <summary>
    /// Checks <paramref name="queries"/> and returns them as float32 on the CPU, registered in the current dispose scope
    /// (or the same tensor when it already is).
    /// </summary>
    public static Tensor PrepareQueries(Tensor queries, int embeddingSize)
    {
        ArgumentNullException.ThrowIfNull(queries);
        if (queries.dim() != 2 || queries.shape[1] != embeddingSize)
        {
            throw new ArgumentException(
                $"Expected query embeddings of shape [Q,{embeddingSize}]; got [{string.Join(",", queries.shape)}].",
                nameof(queries));
        }

        if (!queries.is_floating_point())
        {
            throw new ArgumentException($"Expected floating-point query embeddings; got {queries.dtype}.", nameof(queries));
        }

        return queries.detach().cpu().to_type(ScalarType.Float32);
    }

    /// <summary>A float32 CPU contiguous copy of <paramref name="tensor"/>, detached from any graph.</summary>
    public static Tensor CopyToCpuFloat(Tensor tensor) =>
        tensor.detach().cpu().to_type(ScalarType.Float32).contiguous().clone();
}
