using OneShot.Data;
using OneShot.Embeddings;

namespace OneShot.Training;

/// <summary>Checks that a dataset's items fit an embedder's input, for training and evaluation alike.</summary>
internal static class DatasetShape
{
    /// <summary>Throws <see cref="ArgumentException"/> naming both shapes when the items of <paramref name="dataset"/> do not fit <paramref name="embedder"/>.</summary>
    public static void EnsureFits(IEmbedder embedder, IClassDataset dataset, string argument)
    {
        var p = embedder.Preprocessing;
        var (c, h, w) = dataset.ItemShape;
        if (c != p.Channels || h != p.Height || w != p.Width)
        {
            throw new ArgumentException(
                $"The dataset's items are {c}x{h}x{w} (CxHxW); this {embedder.Architecture} embedder takes {p.Channels}x{p.Height}x{p.Width}.",
                argument);
        }
    }
}
