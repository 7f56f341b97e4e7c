using static TorchSharp.torch;

namespace OneShot.Verification;

/// <summary>A batch of image pairs drawn by <see cref="PairSampler"/>; owns its tensors.</summary>
public sealed class PairBatch : IDisposable
{
    internal PairBatch(Tensor left, Tensor right, Tensor isSame, int[] leftClasses, int[] rightClasses)
    {
        Left = left;
        Right = right;
        IsSame = isSame;
        LeftClasses = leftClasses;
        RightClasses = rightClasses;
    }

    /// <summary>The first image of each pair, float32 <c>[P,C,H,W]</c>.</summary>
    public Tensor Left { get; }

    /// <summary>The second image of each pair, float32 <c>[P,C,H,W]</c>.</summary>
    public Tensor Right { get; }

    /// <summary>The targets, float32 <c>[P]</c>: 1 when both images are of the same class, 0 otherwise.</summary>
    public Tensor IsSame { get; }

    /// <summary>The dataset class of each left image.</summary>
    public IReadOnlyList<int> LeftClasses { get; }

    /// <summary>The dataset class of each right image.</summary>
    public IReadOnlyList<int> RightClasses { get; }

    /// <summary>The number of pairs P.</summary>
    public int Count => LeftClasses.Count;

    /// <inheritdoc />
    public void Dispose()
    {
        Left.Dispose();
        Right.Dispose();
        IsSame.Dispose();
    }
}
