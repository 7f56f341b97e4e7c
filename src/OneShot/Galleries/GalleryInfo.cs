using OneShot.Classification;
using OneShot.Embeddings;

namespace OneShot.Galleries;

/// <summary>What a gallery file holds, read by <see cref="Gallery.ReadInfo"/> without loading an embedder.</summary>
/// <param name="Fingerprint">The fingerprint of the embedder the gallery was built with.</param>
/// <param name="EmbeddingSize">The embedding length D.</param>
/// <param name="Counts">Each label with its number of enrolled examples, in enrolment order.</param>
/// <param name="Properties">The free-form properties saved with the gallery.</param>
/// <param name="Classifier">The classifier saved with the gallery; null for files of formats 1 and 2, which have none.</param>
public sealed record GalleryInfo(
    EmbedderFingerprint Fingerprint,
    int EmbeddingSize,
    IReadOnlyList<KeyValuePair<string, int>> Counts,
    IReadOnlyDictionary<string, string> Properties,
    ClassifierOptions? Classifier = null)
{
    /// <summary>The total number of enrolled examples.</summary>
    public int Count => Counts.Sum(c => c.Value);
}
