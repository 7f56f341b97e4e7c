using OneShot.Embeddings;

namespace OneShot.Galleries;

/// <summary>
/// What a gallery file holds: the embedder fingerprint, the labels, the entries in order, the properties and
/// (format version 3) the classifier as JSON, null when none was saved (always for version 1 and 2 files).
/// </summary>
internal sealed record GalleryContent(
    EmbedderFingerprint Fingerprint,
    int EmbeddingSize,
    IReadOnlyList<string> Labels,
    IReadOnlyList<int> EntryLabels,
    IReadOnlyList<float[]> Vectors,
    IReadOnlyDictionary<string, string> Properties,
    string? ClassifierJson = null);
