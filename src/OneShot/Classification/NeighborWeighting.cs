namespace OneShot.Classification;

/// <summary>How the k nearest neighbours vote.</summary>
public enum NeighborWeighting
{
    /// <summary>Each neighbour votes with weight <c>1 / (distance + ε)</c>, so nearer neighbours count more.</summary>
    Distance = 0,

    /// <summary>Each neighbour votes with weight 1.</summary>
    Uniform = 1,
}
