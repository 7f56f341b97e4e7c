using static TorchSharp.torch;

namespace OneShot.Serialization;

/// <summary>
/// Element types of TorchSharp's state-dict format: the code is the <see cref="ScalarType"/> value
/// (what <c>Tensor.Save</c> and the exportsd.py script write).
/// </summary>
internal static class StateDictElementTypes
{
    /// <summary>The size in bytes of one element of <paramref name="type"/>, or 0 when the format does not carry it.</summary>
    public static int SizeOf(ScalarType type) => type switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.ComplexFloat64 => 16,
        _ => 0,
    };
}
