namespace OneShot.Data;

/// <summary>A split of the two-artist emoji set (<see cref="EmojiDataset"/>): whole subcategories, so test concepts are unseen in kind.</summary>
public enum EmojiSplit
{
    /// <summary>1,179 classes (including the country flags): for training.</summary>
    Train,

    /// <summary>252 classes: for validation and early stopping.</summary>
    Val,

    /// <summary>429 classes: for the reported figures only.</summary>
    Test,

    /// <summary>All 1,860 classes.</summary>
    All,
}
