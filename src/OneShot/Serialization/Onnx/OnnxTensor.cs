using Onnx;

namespace OneShot.Serialization.Onnx;

/// <summary>A float tensor read from an ONNX initializer or <c>Constant</c> node: its shape and values.</summary>
internal sealed record OnnxTensor(string Name, long[] Shape, float[] Values)
{
    private const int Float = 1;
    private const int Double = 11;

    /// <summary>The shape as text, <c>[64,3,7,7]</c>.</summary>
    public string ShapeText => $"[{string.Join(",", Shape)}]";

    /// <summary>Reads <paramref name="proto"/> as float32 values (float32 or float64 storage, inline data only).</summary>
    /// <exception cref="OnnxImportException">The tensor is of another element type or stores its data outside the file.</exception>
    public static OnnxTensor From(TensorProto proto, string path)
    {
        string name = proto.Name;
        long[] shape = [.. proto.Dims];
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw Fail(path, $"tensor '{name}' stores its data in an external file; expected the weights inside the .onnx file.");
        }

        float[] values;
        if (proto.DataType == Float)
        {
            if (!proto.RawData.IsEmpty)
            {
                ReadOnlySpan<byte> raw = proto.RawData.Span;
                if (raw.Length != count * sizeof(float))
                {
                    throw Fail(path, $"tensor '{name}' of shape [{string.Join(",", shape)}] holds {raw.Length} bytes of raw data; expected {count * sizeof(float)}.");
                }

                values = new float[count];
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BitConverter.ToSingle(raw.Slice(i * sizeof(float), sizeof(float)));
                }
            }
            else
            {
                values = [.. proto.FloatData];
            }
        }
        else if (proto.DataType == Double)
        {
            values = !proto.RawData.IsEmpty
                ? Enumerable.Range(0, (int)count).Select(i => (float)BitConverter.ToDouble(proto.RawData.Span.Slice(i * sizeof(double), sizeof(double)))).ToArray()
                : proto.DoubleData.Select(v => (float)v).ToArray();
        }
        else
        {
            throw Fail(path, $"tensor '{name}' has ONNX element type {proto.DataType}; expected 1 (float) or 11 (double).");
        }

        if (values.LongLength != count)
        {
            throw Fail(path, $"tensor '{name}' of shape [{string.Join(",", shape)}] holds {values.LongLength} values; expected {count}.");
        }

        return new OnnxTensor(name, shape, values);
    }

    private static OnnxImportException Fail(string path, string problem) => new(path, [problem], []);
}
