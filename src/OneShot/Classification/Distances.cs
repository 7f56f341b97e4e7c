using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>Pairwise distances between query and support embeddings, computed batched with matrix products.</summary>
/// <remarks>Safe to call from many threads at once.</remarks>
public static class Distances
{
    /// <summary>
    /// Computes the distance from every query to every support embedding.
    /// </summary>
    /// <param name="queries">Query embeddings <c>[Q,D]</c>, float32 or float64.</param>
    /// <param name="support">Support embeddings <c>[S,D]</c> with the same dtype and device as <paramref name="queries"/>.</param>
    /// <param name="metric">The distance to compute.</param>
    /// <returns>
    /// A new tensor <c>[Q,S]</c> owned by the caller, with the dtype and device of the inputs.
    /// Euclidean distances use <c>‖q‖² + ‖s‖² − 2 q·sᵀ</c> clamped at zero; cosine distances are <c>1 − cos</c>.
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
            DistanceMetric.SquaredEuclidean => SquaredEuclidean(queries, support),
            DistanceMetric.Euclidean => SquaredEuclidean(queries, support).sqrt_(),
            DistanceMetric.Cosine => Cosine(queries, support),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown distance metric."),
        };
        return result.MoveToOuterDisposeScope();
    }

    private static Tensor SquaredEuclidean(Tensor queries, Tensor support)
    {
        var queryNorms = queries.square().sum(1, keepdim: true);
        var supportNorms = support.square().sum(1).unsqueeze(0);
        var products = queries.mm(support.t());
        return (queryNorms + supportNorms).sub_(products.mul_(2)).clamp_min_(0);
    }

    private static Tensor Cosine(Tensor queries, Tensor support)
    {
        var q = nn.functional.normalize(queries, p: 2, dim: 1);
        var s = nn.functional.normalize(support, p: 2, dim: 1);
        return q.mm(s.t()).neg_().add_(1).clamp_(0, 2);
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
