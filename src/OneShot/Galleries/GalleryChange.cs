namespace OneShot.Galleries;

/// <summary>One change of an <see cref="IGalleryStore"/>: examples added under a label, or a label removed.</summary>
/// <param name="Kind">Added or removed.</param>
/// <param name="Label">The label.</param>
/// <param name="Count">How many examples were added (0 for a removal).</param>
/// <param name="Embeddings">The added embeddings in enrolment order, or null when they were not asked for or for a removal.</param>
public sealed record GalleryChange(GalleryChangeKind Kind, string Label, int Count, IReadOnlyList<float[]>? Embeddings);
