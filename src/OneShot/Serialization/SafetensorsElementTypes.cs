using static TorchSharp.torch;

namespace OneShot.Serialization;

/// <summary>The safetensors element type names this library reads, and their TorchSharp types.</summary>
internal static class SafetensorsElementTypes
{
    private static readonly Dictionary<string, ScalarType> Types = new(StringComparer.Ordinal)
    {
        ["F64"] = ScalarType.Float64,
        ["F32"] = ScalarType.Float32,
        ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64,
        ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16,
        ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte,
        ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>The supported names, for error messages.</summary>
    public static string Supported { get; } = string.Join(", ", Types.Keys);

    /// <summary>Looks up a safetensors element type name such as <c>F32</c> (case-sensitive, as the format spells them).</summary>
    public static bool TryGet(string name, out ScalarType type) => Types.TryGetValue(name, out type);

    /// <summary>The safetensors name of <paramref name="type"/>, or null when the format has none this library reads.</summary>
    public static string? NameOf(ScalarType type) => Types.FirstOrDefault(p => p.Value == type).Key;
}
