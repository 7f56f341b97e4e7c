namespace OneShot.Service;

/// <summary>The answer of <c>GET /health</c>.</summary>
/// <param name="Status">"ok" while the service serves.</param>
/// <param name="Architecture">The embedder's backbone.</param>
/// <param name="EmbeddingSize">The embedding length D.</param>
/// <param name="Fingerprint">The embedder fingerprint the gallery is stamped with.</param>
/// <param name="Gallery">Where the gallery lives (its file, or "memory").</param>
/// <param name="Labels">The number of enrolled labels.</param>
/// <param name="Examples">The number of enrolled examples.</param>
public sealed record HealthResponse(string Status, string Architecture, int EmbeddingSize, string Fingerprint, string Gallery, int Labels, int Examples);
