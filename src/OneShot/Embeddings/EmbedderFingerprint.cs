namespace OneShot.Embeddings;

/// <summary>
/// The identity of an embedder, stored with galleries so that a gallery is never searched with
/// embeddings from a different model.
/// </summary>
/// <param name="Architecture">The architecture name, for example <c>conv4</c>.</param>
/// <param name="Options">A canonical text of the architecture options (input channels, widths, ...).</param>
/// <param name="Preprocessing">The canonical text of the image preprocessing.</param>
/// <param name="WeightsSha256">The SHA-256 of the weights (all state-dict entries, in key order), lower-case hex.</param>
public sealed record EmbedderFingerprint(string Architecture, string Options, string Preprocessing, string WeightsSha256)
{
    /// <summary>A one-line description naming every field.</summary>
    public override string ToString() =>
        $"{Architecture} [{Options}] preprocessing [{Preprocessing}] weights sha256 {WeightsSha256}";
}
