using OneShot.Hosting;

namespace OneShot.Service;

/// <summary>RFC 9457 problem responses: a status, a title, the clear message as <c>detail</c> and a reason code as <c>error</c>.</summary>
internal static class Problems
{
    public static IResult Create(int statusCode, string code, string detail) => Results.Problem(
        detail: detail,
        statusCode: statusCode,
        title: Title(statusCode),
        extensions: new Dictionary<string, object?> { ["error"] = code });

    public static IResult For(RecognitionRequestException exception) =>
        Create(StatusOf(exception.Error), exception.Error.ToString(), exception.Message);

    /// <summary>The status each refusal is answered with.</summary>
    public static int StatusOf(RecognitionError error) => error switch
    {
        RecognitionError.ImageTooLarge or RecognitionError.TooManyPixels or RecognitionError.UploadTooLarge => StatusCodes.Status413PayloadTooLarge,
        RecognitionError.UnknownFormat => StatusCodes.Status415UnsupportedMediaType,
        RecognitionError.CorruptImage => StatusCodes.Status422UnprocessableEntity,
        RecognitionError.EmptyGallery => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status400BadRequest,
    };

    private static string Title(int statusCode) => statusCode switch
    {
        StatusCodes.Status400BadRequest => "Bad request",
        StatusCodes.Status404NotFound => "Not found",
        StatusCodes.Status405MethodNotAllowed => "Method not allowed",
        StatusCodes.Status409Conflict => "Conflict",
        StatusCodes.Status413PayloadTooLarge => "Too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        StatusCodes.Status422UnprocessableEntity => "Unprocessable image",
        _ => "Error",
    };
}
