namespace OneShot.Galleries;

/// <summary>What a <see cref="GalleryChange"/> does.</summary>
public enum GalleryChangeKind
{
    /// <summary>Examples were added under the label.</summary>
    Added = 0,

    /// <summary>The label and all its examples were removed.</summary>
    Removed = 1,
}
