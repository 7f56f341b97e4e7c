namespace OneShot.Galleries;

/// <summary>The stored examples that decide one query's prediction (see <see cref="IGalleryStore.Search"/>), in enrolment order.</summary>
/// <param name="Labels">One label per candidate.</param>
/// <param name="Embeddings">One embedding of length D per candidate.</param>
public sealed record GalleryCandidates(IReadOnlyList<string> Labels, IReadOnlyList<float[]> Embeddings);
