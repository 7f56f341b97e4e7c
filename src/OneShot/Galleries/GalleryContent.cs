using OneShot.Embeddings;

namespace OneShot.Galleries;

/// <summary>What a gallery file holds: the embedder fingerprint, the labels, the entries in order and the properties.</summary>
internal sealed record GalleryContent(
    EmbedderFingerprint Fingerprint,
    int EmbeddingSize,
    IReadOnlyList<string> Labels,
    IReadOnlyList<int> EntryLabels,
    IReadOnlyList<float[]> Vectors,
    IReadOnlyDictionary<string, string> Properties,
    string? ClassifierJson = null);
