using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Verification;

/// <summary>
/// The contrastive loss of Hadsell, Chopra and LeCun (2006) on pairs of embeddings:
/// <c>L = mean over pairs of ½·[y·d² + (1 − y)·max(0, margin − d)²]</c>, where <c>d</c> is the Euclidean
/// distance of the pair and <c>y</c> is 1 for "same" and 0 for "different".
/// </summary>
/// <remarks>
/// The ½ factor is the paper's; it halves the gradient and does not change the minimiser. The "same" term
/// uses the squared distance directly (no square root, so its gradient is defined at d = 0); the "different"
/// term takes <c>d = sqrt(d² + 1e-12)</c>, which keeps its gradient finite for identical embeddings.
/// </remarks>
internal static class ContrastiveLoss
{
    private const double Epsilon = 1e-12;

    /// <summary>The mean contrastive loss (a scalar tensor, differentiable) of the pairs (<paramref name="left"/>[i], <paramref name="right"/>[i]).</summary>
    /// <param name="left">Embeddings <c>[P,D]</c>.</param>
    /// <param name="right">Embeddings <c>[P,D]</c>.</param>
    /// <param name="isSame">Targets <c>[P]</c>: 1 for "same", 0 for "different".</param>
    /// <param name="margin">The margin beyond which "different" pairs cost nothing (positive).</param>
    /// <exception cref="ArgumentException">The shapes do not match.</exception>
    public static Tensor Compute(Tensor left, Tensor right, Tensor isSame, double margin)
    {
        CheckPairs(left, right, isSame);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(margin);
        using var scope = NewDisposeScope();
        using var epsilon = Epsilon.ToScalar();
        using var marginScalar = margin.ToScalar();
        using var half = 0.5.ToScalar();
        var y = isSame.to_type(left.dtype);
        var difference = left - right;
        var squared = difference.mul(difference).sum(1);
        var distance = squared.add(epsilon, TorchScalars.One).sqrt();
        var gap = distance.neg().add(marginScalar, TorchScalars.One).clamp_min(TorchScalars.Zero);
        var far = gap.mul(gap);
        var loss = ((y * squared) + (y.neg().add(TorchScalars.One, TorchScalars.One) * far)).mul(half).mean();
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Checks that <paramref name="left"/> and <paramref name="right"/> are <c>[P,D]</c> and <paramref name="isSame"/> is <c>[P]</c>.</summary>
    internal static void CheckPairs(Tensor left, Tensor right, Tensor isSame)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        ArgumentNullException.ThrowIfNull(isSame);
        if (left.dim() != 2 || !left.shape.SequenceEqual(right.shape))
        {
            throw new ArgumentException(
                $"Expected two embedding tensors of the same shape [P,D]; got [{string.Join(",", left.shape)}] and [{string.Join(",", right.shape)}].",
                nameof(right));
        }

        if (isSame.dim() != 1 || isSame.shape[0] != left.shape[0])
        {
            throw new ArgumentException(
                $"Expected one target per pair, shape [{left.shape[0]}]; got [{string.Join(",", isSame.shape)}].",
                nameof(isSame));
        }
    }
}
