using System.Net.Http.Headers;

namespace OneShot.Service.Tests;

/// <summary>Builds multipart/form-data bodies the way a browser or <c>curl -F files=@x.png</c> does.</summary>
internal static class Uploads
{
    public static MultipartFormDataContent Form(params (string Name, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(part, "files", name);
        }

        return form;
    }
}
