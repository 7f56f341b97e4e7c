using System.Net;

namespace OneShot.Data.Downloads;

/// <summary>A download failed: the server answered with an error status or the connection broke. A partial file is kept for resuming.</summary>
public sealed class DownloadException : OneShotException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="url">The URL that failed.</param>
    /// <param name="statusCode">The HTTP status received, or null when there was no response.</param>
    /// <param name="message">The full message, naming <paramref name="url"/>.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public DownloadException(Uri url, HttpStatusCode? statusCode, string message, Exception? innerException = null)
        : base(message, innerException!)
    {
        Url = url;
        StatusCode = statusCode;
    }

    /// <summary>The URL that failed.</summary>
    public Uri Url { get; }

    /// <summary>The HTTP status received, or null when there was no response.</summary>
    public HttpStatusCode? StatusCode { get; }
}
