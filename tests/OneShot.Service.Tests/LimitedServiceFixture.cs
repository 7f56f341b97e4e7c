namespace OneShot.Service.Tests;

/// <summary>
/// One service with small limits, shared by the error tests: at most 5000 pixels, 20000 bytes per image, 60000 bytes per
/// request, 4 images per request, labels of 20 characters. Nothing is ever enrolled in it (every request is refused).
/// </summary>
public sealed class LimitedServiceFixture : IDisposable
{
    public const long MaxPixels = 5000;
    public const long MaxImageBytes = 20_000;
    public const long MaxUploadBytes = 60_000;
    public const int MaxImagesPerRequest = 4;
    public const int MaxLabelLength = 20;

    private readonly TempDirectory _directory = new();
    private readonly ServiceFactory _factory;

    public LimitedServiceFixture()
    {
        _factory = new ServiceFactory(_directory.Path, o =>
        {
            o.MaxPixels = MaxPixels;
            o.MaxImageBytes = MaxImageBytes;
            o.MaxUploadBytes = MaxUploadBytes;
            o.MaxImagesPerRequest = MaxImagesPerRequest;
            o.MaxLabelLength = MaxLabelLength;
        });
        Client = _factory.CreateClient();
    }

    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        _factory.Dispose();
        _directory.Dispose();
    }
}
