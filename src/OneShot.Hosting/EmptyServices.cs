namespace OneShot.Hosting;

/// <summary>A service provider with no services, passed to factories when the recognizer is built outside a container.</summary>
internal sealed class EmptyServices : IServiceProvider
{
    public static readonly EmptyServices Instance = new();

    public object? GetService(Type serviceType) => null;
}
