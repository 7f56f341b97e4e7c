using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace OneShot.Tests.Data;

/// <summary>
/// A tiny HTTP server on 127.0.0.1 (a free port) serving byte arrays by path, with optional support for
/// <c>Range: bytes=N-</c> requests; records each request's path and Range header and the body bytes sent.
/// </summary>
internal sealed class LoopbackHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly Task _loop;
    private long _bytesSent;

    public LoopbackHttpServer()
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            BaseUri = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(BaseUri.ToString());
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }

        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUri { get; }

    /// <summary>Whether Range requests get 206 Partial Content (true) or are ignored with the whole file (false).</summary>
    public bool SupportsRange { get; set; } = true;

    /// <summary>Each request as "path" or "path Range: bytes=N-".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Body bytes sent over all requests.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Serves <paramref name="content"/> at <paramref name="path"/> and returns its URL.</summary>
    public Uri Serve(string path, byte[] content)
    {
        _files[path] = content;
        return new Uri(BaseUri, path);
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                Handle(context);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException)
            {
                // the client went away
            }
        }
    }

    private void Handle(HttpListenerContext context)
    {
        string path = context.Request.Url!.AbsolutePath.TrimStart('/');
        string? range = context.Request.Headers["Range"];
        Requests.Enqueue(range is null ? path : $"{path} Range: {range}");
        using HttpListenerResponse response = context.Response;
        if (!_files.TryGetValue(path, out byte[]? content))
        {
            response.StatusCode = 404;
            return;
        }

        long from = 0;
        if (range is not null && SupportsRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (from >= content.Length)
            {
                response.StatusCode = 416;
                response.Headers["Content-Range"] = $"bytes */{content.Length}";
                return;
            }

            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes {from}-{content.Length - 1}/{content.Length}";
        }

        response.ContentLength64 = content.Length - from;
        response.OutputStream.Write(content, (int)from, (int)(content.Length - from));
        Interlocked.Add(ref _bytesSent, content.Length - from);
    }
}
