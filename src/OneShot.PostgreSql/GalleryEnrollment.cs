namespace OneShot.PostgreSql;

/// <summary>One example for <see cref="PostgresGalleryStore.AddRange"/>: its label, embedding and optional caller metadata.</summary>
/// <param name="Label">The label (not empty or whitespace).</param>
/// <param name="Embedding">The embedding, of the store's length D, finite values.</param>
/// <param name="MetadataJson">A JSON document stored with the example (a <c>jsonb</c> column), or null.</param>
public sealed record GalleryEnrollment(string Label, float[] Embedding, string? MetadataJson = null);
