namespace OneShot.Service;

/// <summary>A request the service refuses before the recognizer sees it (wrong content type, malformed form).</summary>
/// <param name="statusCode">The 4xx status to answer with.</param>
/// <param name="code">A short machine-readable reason, returned as the problem's <c>error</c> member.</param>
/// <param name="message">What was found and what was expected.</param>
internal sealed class UploadException(int statusCode, string code, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string Code { get; } = code;
}
