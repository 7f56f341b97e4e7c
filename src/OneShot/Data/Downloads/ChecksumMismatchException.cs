namespace OneShot.Data.Downloads;

/// <summary>A downloaded file does not match its expected size or checksum; it was deleted and nothing was written in its place.</summary>
public sealed class ChecksumMismatchException : OneShotException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="url">Where the file came from.</param>
    /// <param name="algorithm">"size", "SHA-256" or "MD5".</param>
    /// <param name="expected">The expected value.</param>
    /// <param name="actual">The value found.</param>
    public ChecksumMismatchException(Uri url, string algorithm, string expected, string actual)
        : base($"Download of '{url}' failed verification: its {algorithm} is {actual}, expected {expected}. The file was deleted; the server may be serving a different or corrupted file.")
    {
        Url = url;
        Algorithm = algorithm;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>Where the file came from.</summary>
    public Uri Url { get; }

    /// <summary>What did not match: "size", "SHA-256" or "MD5".</summary>
    public string Algorithm { get; }

    /// <summary>The expected value.</summary>
    public string Expected { get; }

    /// <summary>The value found.</summary>
    public string Actual { get; }
}
