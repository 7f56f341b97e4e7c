using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OneShot.Hosting;

namespace OneShot.Service.Tests;

/// <summary>The service in memory (TestServer) with its gallery in <paramref name="galleryDirectory"/> and optional limits.</summary>
internal sealed class ServiceFactory(string galleryDirectory, Action<OneShotServiceOptions>? configure = null) : WebApplicationFactory<Program>
{
    public string GalleryPath { get; } = Path.Combine(galleryDirectory, "gallery.bin");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.ConfigureServices(services => services.PostConfigure<OneShotServiceOptions>(options =>
        {
            options.GalleryPath = GalleryPath;
            configure?.Invoke(options);
        }));
    }
}
