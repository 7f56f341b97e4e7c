using Microsoft.AspNetCore.Diagnostics;

namespace OneShot.Service;

/// <summary>
/// Problem bodies for the statuses routing answers by itself (no endpoint ran): an unknown path, a wrong method, and
/// above all a request whose content type the endpoint does not accept.
/// </summary>
internal static class StatusCodeProblems
{
    public static Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        int status = http.Response.StatusCode;
        var result = status switch
        {
            StatusCodes.Status415UnsupportedMediaType => Problems.Create(
                status,
                "UnsupportedContentType",
                $"The request's content type is '{http.Request.ContentType ?? "(none)"}'; expected multipart/form-data with one or more image files (for example curl -F files=@image.png)."),
            StatusCodes.Status404NotFound => Problems.Create(
                status, "NotFound", $"No endpoint at '{http.Request.Path}'; see /openapi/v1.json for the service's endpoints."),
            StatusCodes.Status405MethodNotAllowed => Problems.Create(
                status, "MethodNotAllowed", $"'{http.Request.Method}' is not allowed on '{http.Request.Path}'; see /openapi/v1.json."),
            _ => Problems.Create(status, "Error", $"The request failed with status {status}."),
        };
        return result.ExecuteAsync(http);
    }
}
