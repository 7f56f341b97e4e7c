using Microsoft.AspNetCore.Diagnostics;
using OneShot.Hosting;

namespace OneShot.Service;

/// <summary>
/// Turns every refusal into a 4xx problem response with the message that says what was wrong; anything else is logged
/// and answered with a 500 problem that points to the log (the process keeps serving).
/// </summary>
internal sealed partial class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        IResult result = exception switch
        {
            RecognitionRequestException refused => Problems.For(refused),
            UploadException upload => Problems.Create(upload.StatusCode, upload.Code, upload.Message),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } tooLarge => Problems.Create(
                StatusCodes.Status413PayloadTooLarge, nameof(RecognitionError.UploadTooLarge), $"{tooLarge.Message} Expected a body within the service's MaxUploadBytes."),
            BadHttpRequestException bad => Problems.Create(bad.StatusCode, "BadRequest", bad.Message),
            _ => Unexpected(exception),
        };
        await result.ExecuteAsync(httpContext);
        return true;
    }

    [LoggerMessage(1, LogLevel.Error, "Unexpected failure while serving a request")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);

    private IResult Unexpected(Exception exception)
    {
        LogUnexpected(logger, exception);
        return Problems.Create(StatusCodes.Status500InternalServerError, "InternalError", "The service failed while handling the request; the cause is in its log.");
    }
}
