using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OneShot.Hosting;

namespace OneShot.Service.Tests;

/// <summary>The real service on Kestrel at 127.0.0.1 on a free port, its gallery in a temporary directory.</summary>
internal sealed class RunningService : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private readonly WebApplication _app;

    private RunningService(TempDirectory directory, WebApplication app)
    {
        _directory = directory;
        _app = app;
    }

    /// <summary>The base address, for example http://127.0.0.1:41234.</summary>
    public string Address => _app.Urls.Single().TrimEnd('/');

    public static async Task<RunningService> StartAsync(Action<OneShotServiceOptions>? configure = null, params string[] arguments)
    {
        var directory = new TempDirectory();
        var app = ServiceApp.Build(
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning", .. arguments],
            builder => builder.Services.PostConfigure<OneShotServiceOptions>(o =>
            {
                o.GalleryPath = Path.Combine(directory.Path, "gallery.bin");
                configure?.Invoke(o);
            }));
        await app.StartAsync();
        return new RunningService(directory, app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _directory.Dispose();
    }
}
