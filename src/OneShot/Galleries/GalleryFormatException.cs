namespace OneShot.Galleries;

/// <summary>
/// A gallery file could not be read: it is not a gallery, was written by a newer OneShot, or is truncated or
/// corrupt (its checksum does not match). The message names the file, what was found and what was expected.
/// </summary>
public sealed class GalleryFormatException : OneShotException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The gallery file.</param>
    /// <param name="message">The full message, naming <paramref name="filePath"/>.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public GalleryFormatException(string filePath, string message, Exception? innerException = null)
        : base(message, innerException!)
    {
        FilePath = filePath;
    }

    /// <summary>The gallery file that could not be read.</summary>
    public string FilePath { get; }
}
