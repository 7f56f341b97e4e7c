using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Verification;

/// <summary>
/// The loss of the <see cref="KochHead"/>: binary cross-entropy of the pair probability, computed from the
/// logits for numerical stability: <c>mean over pairs of −[y·log σ(z) + (1 − y)·log(1 − σ(z))]</c>.
/// </summary>
internal static class KochLoss
{
    /// <summary>The mean binary cross-entropy (a scalar tensor, differentiable) of <paramref name="logits"/> <c>[P]</c> against <paramref name="isSame"/> <c>[P]</c> (1 same, 0 different).</summary>
    /// <exception cref="ArgumentException">The shapes differ or are not one-dimensional.</exception>
    public static Tensor Compute(Tensor logits, Tensor isSame)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(isSame);
        if (logits.dim() != 1 || !logits.shape.SequenceEqual(isSame.shape))
        {
            throw new ArgumentException(
                $"Expected logits and targets of the same shape [P]; got [{string.Join(",", logits.shape)}] and [{string.Join(",", isSame.shape)}].",
                nameof(isSame));
        }

        using var scope = NewDisposeScope();
        var target = isSame.to_type(logits.dtype);
        return nn.functional.binary_cross_entropy_with_logits(logits, target).MoveToOuterDisposeScope();
    }
}
