using static TorchSharp.torch;

namespace OneShot.Serialization;

/// <summary>One tensor described by a safetensors header, already checked against the file.</summary>
internal sealed class SafetensorsTensorInfo
{
    internal SafetensorsTensorInfo(string name, string dataType, ScalarType elementType, long[] shape, long begin, long end)
    {
        Name = name;
        DataType = dataType;
        ElementType = elementType;
        Shape = shape;
        Begin = begin;
        End = end;
    }

    /// <summary>The tensor name (a state-dict key such as <c>layer1.0.conv1.weight</c>).</summary>
    public string Name { get; }

    /// <summary>The element type as the file spells it: <c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>F64</c>, <c>I64</c>, ...</summary>
    public string DataType { get; }

    /// <summary>The TorchSharp element type of <see cref="DataType"/>.</summary>
    public ScalarType ElementType { get; }

    /// <summary>The shape, outermost dimension first; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Where the tensor's bytes begin, relative to the first byte after the header.</summary>
    public long Begin { get; }

    /// <summary>One past where the tensor's bytes end, relative to the first byte after the header.</summary>
    public long End { get; }

    /// <summary>The number of data bytes, <see cref="End"/> - <see cref="Begin"/>.</summary>
    public long ByteCount => End - Begin;
}
