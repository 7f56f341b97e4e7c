using System.Net;
using System.Net.Sockets;

namespace OneShot.Tests.Serialization.Onnx;

/// <summary>A NuGet flat-container feed on 127.0.0.1 serving given files by path, counting requests.</summary>
internal sealed class LoopbackFeed : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, byte[]> _files;
    private readonly Task _loop;

    public LoopbackFeed(Dictionary<string, byte[]> files)
    {
        _files = files;
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        BaseUri = new Uri($"http://127.0.0.1:{port}/v3-flatcontainer/");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseUri { get; }

    public int Requests { get; private set; }

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

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            Requests++;
            string path = context.Request.Url!.AbsolutePath.TrimStart('/');
            if (_files.TryGetValue(path, out byte[]? body))
            {
                context.Response.StatusCode = 200;
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
            }
            else
            {
                context.Response.StatusCode = 404;
            }

            context.Response.Close();
        }
    }
}
