namespace OneShot.Serialization;

/// <summary>The architectures model files can hold, by name. Add a codec here for each new backbone.</summary>
internal static class BackboneRegistry
{
    private static readonly Dictionary<string, IBackboneCodec> Codecs = new IBackboneCodec[]
    {
        new Conv4Codec(),
        new ResNet12Codec(),
        new ResNet18Codec(),
    }.ToDictionary(c => c.Architecture, StringComparer.Ordinal);

    /// <summary>The known architecture names, sorted.</summary>
    public static IReadOnlyList<string> Architectures { get; } = [.. Codecs.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The codec of <paramref name="architecture"/>, or null when it is not known.</summary>
    public static IBackboneCodec? Find(string architecture) => Codecs.GetValueOrDefault(architecture);
}
