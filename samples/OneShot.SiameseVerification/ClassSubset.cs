using OneShot.Data;
using static TorchSharp.torch;

namespace OneShot.SiameseVerification;

/// <summary>A view of some classes of a dataset.</summary>
internal sealed class ClassSubset(IClassDataset inner, IReadOnlyList<int> classes) : IClassDataset
{
    public IReadOnlyList<string> Classes { get; } = [.. classes.Select(c => inner.Classes[c])];

    public (int Channels, int Height, int Width) ItemShape => inner.ItemShape;

    public int CountOf(int classIndex) => inner.CountOf(classes[classIndex]);

    public Tensor Load(int classIndex, IReadOnlyList<int> items) => inner.Load(classes[classIndex], items);
}
