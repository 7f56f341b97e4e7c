using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OneShot.Hosting;

/// <summary>Registers OneShot in a dependency-injection container.</summary>
public static class OneShotServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="OneShotServiceOptions"/> (configured by <paramref name="configure"/>, and by any other
    /// <c>Configure&lt;OneShotServiceOptions&gt;</c>) and one <see cref="OneShotRecognizer"/> singleton, built on first
    /// use (resolve it at start-up to load the model before the first request) and disposed with the container.
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="configure">Sets the model, the gallery and the limits.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddOneShot(o =>
    /// {
    ///     o.ModelPath = "models/omniglot-conv4";
    ///     o.GalleryPath = "data/gallery.bin";
    ///     o.MaxPixels = 2048 * 2048;
    /// });
    /// </code>
    /// </example>
    public static IServiceCollection AddOneShot(this IServiceCollection services, Action<OneShotServiceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<OneShotServiceOptions>().Configure(configure);
        services.TryAddSingleton(provider => OneShotRecognizer.Create(
            provider.GetRequiredService<IOptions<OneShotServiceOptions>>().Value,
            provider,
            provider.GetService<ILoggerFactory>()?.CreateLogger<OneShotRecognizer>()));
        return services;
    }
}
