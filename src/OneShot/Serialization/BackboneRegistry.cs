using System.Collections.Concurrent;

namespace OneShot.Serialization;

/// <summary>
/// The architectures model files can hold, by name: the built-in backbones and those registered by other code with
/// <see cref="Register"/>. Safe to use from many threads.
/// </summary>
public static class BackboneRegistry
{
    private static readonly ConcurrentDictionary<string, IBackboneCodec> Codecs = new(StringComparer.Ordinal);

    static BackboneRegistry()
    {
        Register(new Conv4Codec());
        Register(new ResNet12Codec());
        Register(new ResNet18Codec());
    }

    /// <summary>The known architecture names, sorted.</summary>
    public static IReadOnlyList<string> Architectures => [.. Codecs.Keys.Order(StringComparer.Ordinal)];

    /// <summary>
    /// Registers <paramref name="codec"/> for its <see cref="IBackboneCodec.Architecture"/>, so that
    /// <see cref="ModelFile.Save"/> and <see cref="ModelFile.Load(string, Embeddings.DeviceChoice)"/> handle backbones whose
    /// <see cref="Embeddings.BackboneOptions.Architecture"/> is that name.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty or already registered.</exception>
    public static void Register(IBackboneCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentException.ThrowIfNullOrWhiteSpace(codec.Architecture, nameof(codec));
        if (!Codecs.TryAdd(codec.Architecture, codec))
        {
            throw new ArgumentException(
                $"A backbone codec for the architecture '{codec.Architecture}' is already registered; registered: {string.Join(", ", Architectures)}.",
                nameof(codec));
        }
    }

    /// <summary>The codec of <paramref name="architecture"/>, or null when it is not known.</summary>
    internal static IBackboneCodec? Find(string architecture) => Codecs.GetValueOrDefault(architecture);
}
