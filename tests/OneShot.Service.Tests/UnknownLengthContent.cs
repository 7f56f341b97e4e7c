using System.Net;

namespace OneShot.Service.Tests;

/// <summary>Sends <paramref name="inner"/> without a Content-Length (chunked), so only the server's reading limits can stop it.</summary>
internal sealed class UnknownLengthContent : HttpContent
{
    private readonly HttpContent _inner;

    public UnknownLengthContent(HttpContent inner)
    {
        _inner = inner;
        Headers.ContentType = inner.Headers.ContentType;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => _inner.CopyToAsync(stream);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
