namespace OneShot.Data;

/// <summary>An image could not be decoded; the message names the source, what was found and what was expected.</summary>
public sealed class ImageDecodeException : OneShotException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="sourceName">The file path or source name of the image.</param>
    /// <param name="error">Why decoding failed.</param>
    /// <param name="message">The full message, naming <paramref name="sourceName"/>.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public ImageDecodeException(string sourceName, ImageDecodeError error, string message, Exception? innerException = null)
        : base(message, innerException!)
    {
        SourceName = sourceName;
        Error = error;
    }

    /// <summary>The file path or source name of the image that failed.</summary>
    public string SourceName { get; }

    /// <summary>Why decoding failed.</summary>
    public ImageDecodeError Error { get; }
}
