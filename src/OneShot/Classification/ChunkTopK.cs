using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>The running k smallest scores per row over chunks of columns: the merge step of chunked nearest-neighbour search.</summary>
internal static class ChunkTopK
{
    /// <summary>
    /// Merges the <paramref name="k"/> smallest of one chunk's <paramref name="scores"/> <c>[Q,L]</c>, whose column 0 is
    /// column <paramref name="offset"/> overall, into <paramref name="best"/> (null before the first chunk). Returns the
    /// new best values and overall column indices <c>[Q,k]</c>, ascending, in the current dispose scope.
    /// </summary>
    public static (Tensor Values, Tensor Indices) Merge((Tensor Values, Tensor Indices)? best, Tensor scores, long offset, long k)
    {
        var (values, indices) = scores.topk((int)Math.Min(k, scores.shape[1]), dim: 1, largest: false, sorted: true);
        using (var shift = offset.ToScalar())
        {
            indices = indices.add(shift, TorchScalars.One);
        }
        if (best is not { } previous)
        {
            return (values, indices);
        }

        var (top, at) = cat([previous.Values, values], 1).topk((int)k, dim: 1, largest: false, sorted: true);
        return (top, cat([previous.Indices, indices], 1).gather(1, at));
    }
}
