using static TorchSharp.torch;

namespace OneShot.Data;

/// <summary>
/// A labelled image dataset organised by class, as episodic samplers and evaluators read it:
/// classes are numbered 0..<see cref="Classes"/>.Count-1 and items within a class 0..CountOf(c)-1.
/// </summary>
/// <remarks>Implementations are safe to read from many threads at once.</remarks>
public interface IClassDataset
{
    /// <summary>The class names, indexed by class number.</summary>
    IReadOnlyList<string> Classes { get; }

    /// <summary>The shape of one item: channels, height, width.</summary>
    (int Channels, int Height, int Width) ItemShape { get; }

    /// <summary>The number of items in class <paramref name="classIndex"/>.</summary>
    int CountOf(int classIndex);

    /// <summary>
    /// Returns the items <paramref name="items"/> of class <paramref name="classIndex"/> as a new float32 CPU
    /// tensor <c>[n,C,H,W]</c>, preprocessed as the dataset was configured, owned by the caller.
    /// </summary>
    Tensor Load(int classIndex, IReadOnlyList<int> items);
}
