namespace OneShot.Hosting;

/// <summary>
/// A request the <see cref="OneShotRecognizer"/> refused because of its input (never because of the service): the
/// <see cref="Error"/> says which rule, the message names the image or label, what was found and what was expected.
/// Nothing was enrolled or changed.
/// </summary>
public sealed class RecognitionRequestException : OneShotException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">The rule the request broke.</param>
    /// <param name="message">What was found and what was expected, naming the image or label.</param>
    /// <param name="sourceName">The image (upload file name) at fault, or null when the request as a whole is.</param>
    /// <param name="innerException">The decoder's exception, when there is one.</param>
    public RecognitionRequestException(RecognitionError error, string message, string? sourceName = null, Exception? innerException = null)
        : base(message, innerException!)
    {
        Error = error;
        SourceName = sourceName;
    }

    /// <summary>The rule the request broke.</summary>
    public RecognitionError Error { get; }

    /// <summary>The image (upload file name) at fault, or null when the request as a whole is.</summary>
    public string? SourceName { get; }
}
