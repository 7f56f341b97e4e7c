using OneShot.Embeddings;

namespace OneShot.Galleries;

/// <summary>
/// A gallery file was built with a different embedder (architecture, options, preprocessing or weights) than the
/// one it is loaded with. Its embeddings cannot be compared with the new embedder's, so loading refuses
/// rather than give wrong answers.
/// </summary>
public sealed class EmbedderMismatchException : OneShotException
{
    /// <summary>Creates the exception; the message names the file and both fingerprints.</summary>
    /// <param name="filePath">The gallery file.</param>
    /// <param name="expected">The fingerprint of the embedder the gallery is being loaded with.</param>
    /// <param name="found">The fingerprint stored in the file.</param>
    public EmbedderMismatchException(string filePath, EmbedderFingerprint expected, EmbedderFingerprint found)
        : base(BuildMessage(filePath, expected, found))
    {
        FilePath = filePath;
        Expected = expected;
        Found = found;
    }

    /// <summary>The gallery file.</summary>
    public string FilePath { get; }

    /// <summary>The fingerprint of the embedder the gallery is being loaded with.</summary>
    public EmbedderFingerprint Expected { get; }

    /// <summary>The fingerprint stored in the gallery file.</summary>
    public EmbedderFingerprint Found { get; }

    private static string BuildMessage(string filePath, EmbedderFingerprint expected, EmbedderFingerprint found)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(found);
        var differing = new List<string>();
        if (expected.Architecture != found.Architecture)
        {
            differing.Add("architecture");
        }

        if (expected.Options != found.Options)
        {
            differing.Add("options");
        }

        if (expected.Preprocessing != found.Preprocessing)
        {
            differing.Add("preprocessing");
        }

        if (expected.WeightsSha256 != found.WeightsSha256)
        {
            differing.Add("weights");
        }

        return $"The gallery file '{filePath}' was built with a different embedder ({string.Join(", ", differing)} differ). "
            + $"File: {found}. Embedder given: {expected}. "
            + "Load the embedder the gallery was built with, or enroll the examples again with this one.";
    }
}
