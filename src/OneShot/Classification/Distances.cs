using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>Pairwise distances between query and support embeddings, computed batched with matrix products.</summary>
/// <remarks>Safe to call from many threads at once.</remarks>
public static class Distances
{
    /// <summary>How many nearest entries of each row <see cref="Compute"/> recomputes exactly for (squared) Euclidean distances.</summary>
    public const int ExactWinners = 8;

    /// <summary>
    /// Computes the distance from every query to every support embedding.
    /// </summary>
    /// <param name="queries">Query embeddings <c>[Q,D]</c>, float32 or float64.</param>
    /// <param name="support">Support embeddings <c>[S,D]</c> with the same dtype and device as <paramref name="queries"/>.</param>
    /// <param name="metric">The distance to compute.</param>
    /// <returns>
    /// A new tensor <c>[Q,S]</c> owned by the caller, with the dtype and device of the inputs.
    /// Euclidean distances use <c>‖q‖² + ‖s‖² − 2 q·sᵀ</c> (one matrix product) clamped at zero, and then the
    /// <see cref="ExactWinners"/> nearest of each row are recomputed exactly as <c>‖q − s‖²</c> from the difference, so the
    /// distances that decide a prediction do not suffer the cancellation of the expansion (identical vectors give at
    /// most <c>1e-6·‖v‖²</c>). Cosine distances are <c>1 − cos</c>. Differentiable.
    /// </returns>
    /// <exception cref="ArgumentException">The inputs are not 2-D, their lengths D differ, or their dtypes or devices differ.</exception>
    public static Tensor Compute(Tensor queries, Tensor support, DistanceMetric metric)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(support);
        Check(queries, nameof(queries), "[Q,D]");
        Check(support, nameof(support), "[S,D]");
        if (queries.shape[1] != support.shape[1])
        {
            throw new ArgumentException(
                $"Queries and support must have the same embedding length D; got queries [{Shape(queries)}] and support [{Shape(support)}].",
                nameof(support));
        }

        if (queries.dtype != support.dtype)
        {
            throw new ArgumentException($"Queries and support must have the same dtype; got {queries.dtype} and {support.dtype}.", nameof(support));
        }

        if (queries.device.ToString() != support.device.ToString())
        {
            throw new ArgumentException($"Queries and support must be on the same device; got {queries.device} and {support.device}.", nameof(support));
        }

        using var scope = NewDisposeScope();
        Tensor result = metric switch
        {
            DistanceMetric.SquaredEuclidean => RefineWinners(queries, support, SquaredEuclidean(queries, support)),
            DistanceMetric.Euclidean => RefineWinners(queries, support, SquaredEuclidean(queries, support)).sqrt(),
            DistanceMetric.Cosine => Cosine(queries, support),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown distance metric."),
        };
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="Compute"/> against a fixed support set whose squared row norms <c>‖s‖²</c> <c>[S]</c> were computed once
    /// (<c>support.mul(support).sum(1)</c>): the same values for the Euclidean metrics, and cosine distances within float
    /// rounding, without the per-call <c>[S,D]</c> temporary that squaring or normalising the support costs (2 GB for
    /// 1,000,000 × 512). Inputs are trusted: the caller fitted them.
    /// </summary>
    internal static Tensor ComputeWithNorms(Tensor queries, Tensor support, Tensor supportSquaredNorms, DistanceMetric metric)
    {
        using var scope = NewDisposeScope();
        using var tiny = 1e-12.ToScalar();
        Tensor result = metric switch
        {
            DistanceMetric.SquaredEuclidean => RefineWinners(queries, support, SquaredEuclidean(queries, support, supportSquaredNorms)),
            DistanceMetric.Euclidean => RefineWinners(queries, support, SquaredEuclidean(queries, support, supportSquaredNorms)).sqrt(),
            DistanceMetric.Cosine => CosineDistanceFromSimilarity(
                nn.functional.normalize(queries, p: 2, dim: 1).mm(support.t()).div_(supportSquaredNorms.sqrt().clamp_min(tiny).unsqueeze(0))),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown distance metric."),
        };
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The one norm expansion of squared Euclidean distances <c>‖q‖² + ‖s‖² − 2 q·sᵀ</c> <c>[Q,S]</c>, clamped at zero, in
    /// the current dispose scope (differentiable; no exact refinement). <paramref name="supportSquaredNorms"/> <c>[S]</c>
    /// may be given when precomputed.
    /// </summary>
    /// <remarks>
    /// No implicit <see cref="Scalar"/> temporaries on this path: TorchSharp's implicit scalars can be finalized by the GC
    /// while a native call still reads them, which crashed concurrent classification (Scalar.h internal assert) under load.
    /// </remarks>
    internal static Tensor SquaredEuclidean(Tensor queries, Tensor support, Tensor? supportSquaredNorms = null) =>
        ExpansionWithoutQueryNorms(queries, support, supportSquaredNorms ?? support.mul(support).sum(1))
            .add_(queries.mul(queries).sum(1, keepdim: true), TorchScalars.One).relu_();

    /// <summary>
    /// <c>‖s‖² − 2 q·sᵀ</c> <c>[Q,S]</c>: squared Euclidean distances less <c>‖q‖²</c>, which is the same along a row and so
    /// ranks a row's neighbours alike (nearest-neighbour search adds <c>‖q‖²</c> to the winners only).
    /// </summary>
    internal static Tensor ExpansionWithoutQueryNorms(Tensor queries, Tensor support, Tensor supportSquaredNorms) =>
        addmm(supportSquaredNorms.unsqueeze(0), queries, support.t(), beta: 1, alpha: -2);

    /// <summary>
    /// The exact squared Euclidean distances <c>‖q − s‖²</c> <c>[Q,k]</c> between each query row and the support rows
    /// <paramref name="indices"/> <c>[Q,k]</c> (int64), computed from the differences; in the current dispose scope.
    /// </summary>
    internal static Tensor ExactSquaredEuclidean(Tensor queries, Tensor support, Tensor indices)
    {
        long q = queries.shape[0], k = indices.shape[1];
        var rows = support.index_select(0, indices.reshape(-1)).view(q, k, -1);
        var difference = queries.unsqueeze(1) - rows;
        return difference.mul(difference).sum(2);
    }

    /// <summary>Replaces the <see cref="ExactWinners"/> smallest entries of each row of <paramref name="squared"/> by their exact values.</summary>
    private static Tensor RefineWinners(Tensor queries, Tensor support, Tensor squared)
    {
        if (squared.shape[0] == 0 || squared.shape[1] == 0)
        {
            return squared;
        }

        Tensor indices;
        using (no_grad())
        {
            indices = squared.topk((int)Math.Min(ExactWinners, squared.shape[1]), dim: 1, largest: false, sorted: false).indexes;
        }

        Tensor correction;
        using (no_grad())
        {
            // Exact minus expanded at the winners, a constant: the values become exact, the gradient stays the expansion's.
            var exact = ExactSquaredEuclidean(queries.detach(), support.detach(), indices);
            correction = zeros_like(squared).scatter_(1, indices, exact.sub_(squared.detach().gather(1, indices)));
        }

        return squared.add(correction, TorchScalars.One);
    }

    private static Tensor Cosine(Tensor queries, Tensor support)
    {
        var q = nn.functional.normalize(queries, p: 2, dim: 1);
        var s = nn.functional.normalize(support, p: 2, dim: 1);
        return CosineDistanceFromSimilarity(q.mm(s.t()));
    }

    /// <summary><c>1 − similarity</c> clamped to [0, 2], in place, with explicit scalars kept alive for the native calls.</summary>
    internal static Tensor CosineDistanceFromSimilarity(Tensor similarity)
    {
        using var one = 1.0.ToScalar();
        using var zero = 0.0.ToScalar();
        using var two = 2.0.ToScalar();
        return similarity.neg_().add_(one, TorchScalars.One).clamp_(zero, two);
    }

    /// <summary>Softmax over classes of <c>−distance / temperature</c>, with an explicit scalar kept alive for the native call.</summary>
    internal static Tensor SoftmaxOfNegative(Tensor distances, double temperature)
    {
        using var factor = (-1.0 / temperature).ToScalar();
        return distances.mul(factor).softmax(1);
    }

    private static void Check(Tensor tensor, string name, string expected)
    {
        if (tensor.dim() != 2)
        {
            throw new ArgumentException($"Expected {name} of shape {expected}; got [{Shape(tensor)}].", name);
        }

        if (tensor.dtype is not (ScalarType.Float32 or ScalarType.Float64))
        {
            throw new ArgumentException($"Expected {name} of dtype float32 or float64; got {tensor.dtype}.", name);
        }
    }

    private static string Shape(Tensor tensor) => string.Join(",", tensor.shape);
}
