using System.Text.Json;

namespace OneShot.Service.Tests;

/// <summary>A problem response as the service writes it: status, reason code (<c>error</c>) and the message (<c>detail</c>).</summary>
internal sealed record Problem(int Status, string Error, string Detail)
{
    /// <summary>Reads a problem response, checking its content type is application/problem+json.</summary>
    public static async Task<Problem> ReadAsync(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", "every refusal is a problem document");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        return new Problem(
            root.GetProperty("status").GetInt32(),
            root.GetProperty("error").GetString()!,
            root.GetProperty("detail").GetString()!);
    }
}
