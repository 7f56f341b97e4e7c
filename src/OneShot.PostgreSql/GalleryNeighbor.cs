namespace OneShot.PostgreSql;

/// <summary>One stored example found by <see cref="PostgresGalleryStore.FindNearest"/>.</summary>
/// <param name="Id">The example's row id (increasing in enrolment order).</param>
/// <param name="Label">Its label.</param>
/// <param name="Distance">pgvector's distance to the query: Euclidean (<c>&lt;-&gt;</c>) or cosine (<c>&lt;=&gt;</c>).</param>
public sealed record GalleryNeighbor(long Id, string Label, double Distance);
