namespace OneShot.Training;

/// <summary>
/// The indices of one episode, before any pixels are loaded: the dataset classes (episode label = position)
/// and, per class, the support items then the query items.
/// </summary>
internal sealed record EpisodePlan(int[] ClassIndices, int[][] SupportItems, int[][] QueryItems, int Shot, int Query)
{
    /// <summary>The number of classes N.</summary>
    public int Way => ClassIndices.Length;
}
