using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// Exact nearest-neighbour search over enrolled vectors <c>[N,D]</c>: the <c>k</c> closest rows for each query.
/// Norms (Euclidean) or normalised rows (cosine) are computed once at construction; a search walks the rows in
/// chunks, so memory stays bounded by <c>queries × chunk</c> distances, with one matrix product per chunk
/// (<c>‖x‖² − 2q·x</c>, or <c>−q̂·x̂</c>) and the per-chunk top-k merged into a running top-k. The k winners' Euclidean
/// distances are then recomputed exactly as <c>‖q − x‖²</c> and re-ranked, so they equal <see cref="Distances.Compute"/>.
/// </summary>
internal sealed class VectorIndex : IDisposable
{
    /// <summary>The default upper bound on <c>queries × chunk rows</c> distances held at once (32 MB of float32).</summary>
    public const long DefaultMaxChunkElements = 8L << 20;

    private readonly Tensor _vectors;
    private readonly Tensor? _squaredNorms;
    private readonly long _maxChunkElements;
    private bool _disposed;

    /// <summary>Builds an index over a copy of <paramref name="vectors"/> <c>[N,D]</c> (float32, CPU).</summary>
    /// <param name="vectors">The enrolled vectors, one per row; at least one row.</param>
    /// <param name="metric">The distance that ranks neighbours.</param>
    /// <param name="maxChunkElements">Upper bound on the distances computed at once; at least the number of queries is always allowed.</param>
    public VectorIndex(Tensor vectors, DistanceMetric metric, long maxChunkElements = DefaultMaxChunkElements)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChunkElements);
        if (vectors.dim() != 2 || vectors.shape[0] == 0 || vectors.dtype != ScalarType.Float32)
        {
            throw new ArgumentException(
                $"Expected float32 vectors of shape [N,D] with N >= 1; got {vectors.dtype} [{string.Join(",", vectors.shape)}].",
                nameof(vectors));
        }

        if (!Enum.IsDefined(metric))
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown distance metric.");
        }

        Metric = metric;
        _maxChunkElements = maxChunkElements;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var copy = vectors.detach().cpu().contiguous();
        if (metric == DistanceMetric.Cosine)
        {
            _vectors = nn.functional.normalize(copy, p: 2, dim: 1).contiguous().DetachFromDisposeScope();
        }
        else
        {
            _vectors = copy.clone().DetachFromDisposeScope();
            _squaredNorms = _vectors.mul(_vectors).sum(1).DetachFromDisposeScope();
        }
    }

    /// <summary>The distance that ranks neighbours.</summary>
    public DistanceMetric Metric { get; }

    /// <summary>The number of enrolled vectors N.</summary>
    public long Count => _vectors.shape[0];

    /// <summary>The vector length D.</summary>
    public long Dimension => _vectors.shape[1];

    /// <summary>
    /// The <paramref name="k"/> nearest enrolled rows of each query <c>[Q,D]</c>: distances <c>[Q,k]</c> ascending and
    /// row indices <c>[Q,k]</c> (int64), both new CPU tensors owned by the caller. <paramref name="k"/> is capped at
    /// <see cref="Count"/>.
    /// </summary>
    public (Tensor Distances, Tensor Indices) Search(Tensor queries, int k)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (queries.dim() != 2 || queries.shape[1] != Dimension || queries.dtype != ScalarType.Float32)
        {
            throw new ArgumentException(
                $"Expected float32 queries of shape [Q,{Dimension}]; got {queries.dtype} [{string.Join(",", queries.shape)}].",
                nameof(queries));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long n = Count, q = queries.shape[0];
        long kk = Math.Min(k, n);
        long chunk = Math.Max(kk, Math.Min(n, _maxChunkElements / Math.Max(1, q)));
        bool cosine = Metric == DistanceMetric.Cosine;
        var query = queries.detach().cpu().contiguous();
        query = cosine ? nn.functional.normalize(query, p: 2, dim: 1) : query;

        // Scores are "smaller is nearer": ‖x‖² − 2q·x (‖q‖² is the same for a whole row), or negated cosine similarity.
        (Tensor Values, Tensor Indices)? best = null;
        for (long start = 0; start < n; start += chunk)
        {
            using var inner = NewDisposeScope();
            long length = Math.Min(chunk, n - start);
            var rows = _vectors.narrow(0, start, length);
            var scores = cosine
                ? query.mm(rows.t()).neg_()
                : Distances.ExpansionWithoutQueryNorms(query, rows, _squaredNorms!.narrow(0, start, length));
            var (values, indices) = ChunkTopK.Merge(best, scores, start, kk);
            best = (values.MoveToOuterDisposeScope(), indices.MoveToOuterDisposeScope());
        }

        var (bestScores, bestIndices) = best!.Value;
        if (cosine)
        {
            using var one = 1.0.ToScalar();
            using var zero = 0.0.ToScalar();
            using var two = 2.0.ToScalar();
            return (bestScores.add(one, TorchScalars.One).clamp_(zero, two).MoveToOuterDisposeScope(), bestIndices.MoveToOuterDisposeScope());
        }

        // The winners re-ranked by their exact distances.
        var (exact, order) = Distances.ExactSquaredEuclidean(query, _vectors, bestIndices).sort(dim: 1, stable: true);
        var reranked = bestIndices.gather(1, order);
        var distances = Metric == DistanceMetric.Euclidean ? exact.sqrt_() : exact;
        return (distances.MoveToOuterDisposeScope(), reranked.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _vectors.Dispose();
            _squaredNorms?.Dispose();
        }
    }
}
