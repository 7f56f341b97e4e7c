namespace OneShot.Verification;

/// <summary>How a Siamese network compares the two embeddings of a pair.</summary>
public enum SiameseHeadKind
{
    /// <summary>
    /// Euclidean distance, trained with the contrastive loss (Hadsell et al. 2006); the pair score is the
    /// negative distance <c>−‖a − b‖</c>.
    /// </summary>
    Contrastive,

    /// <summary>
    /// The weighted-L1 head of Koch et al. (2015), <c>σ(w·|a − b| + b)</c>, trained with binary cross-entropy;
    /// the pair score is that probability of "same".
    /// </summary>
    Koch,
}
