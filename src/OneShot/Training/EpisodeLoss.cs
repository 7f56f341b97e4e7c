namespace OneShot.Training;

/// <summary>What <see cref="PrototypicalTrainer"/> minimises on the images of an episode.</summary>
public enum EpisodeLoss
{
    /// <summary>
    /// Prototypical Networks (Snell et al. 2017): each query against the means of the classes' support images.
    /// </summary>
    Prototypical,

    /// <summary>
    /// Neighbourhood component analysis over the whole episode (Laenen &amp; Bertinetto, NeurIPS 2021): every image,
    /// support and query alike, is an anchor whose loss is <c>−log(Σ_same exp(−d/T) / Σ_others exp(−d/T))</c> over
    /// all other images of the episode. It uses every pair of the batch instead of queries against prototypes, and
    /// the episode's split into support and query no longer matters. Classification is still by prototypes.
    /// </summary>
    Nca,
}
