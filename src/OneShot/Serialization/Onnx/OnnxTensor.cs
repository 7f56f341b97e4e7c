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
    /// <exception cref="OnnxImportException">The tensor is of another element type, stores its data outside the file, has a
    /// negative or oversized shape, or holds another number of values than its shape.</exception>
    public static OnnxTensor From(TensorProto proto, string path)
    {
        string name = proto.Name;
        long[] shape = [.. proto.Dims];

        // The shape is checked before anything is allocated from it: dimensions are untrusted 64-bit numbers whose
        // product can overflow or claim more values than an array holds.
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0 || (d > 0 && count > Array.MaxLength / d))
            {
                throw Fail(path, $"tensor '{name}' has the shape [{string.Join(",", shape)}]; expected non-negative dimensions of at most {Array.MaxLength} values in all.");
            }

            count *= d;
        }

        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw Fail(path, $"tensor '{name}' stores its data in an external file; expected the weights inside the .onnx file.");
        }

        float[] values;
        if (proto.DataType is Float or Double)
        {
            int size = proto.DataType == Float ? sizeof(float) : sizeof(double);
            if (!proto.RawData.IsEmpty)
            {
                ReadOnlySpan<byte> raw = proto.RawData.Span;
                if (raw.Length != count * size)
                {
                    throw Fail(path, $"tensor '{name}' of shape [{string.Join(",", shape)}] holds {raw.Length} bytes of raw data; expected {count * size}.");
                }

                values = new float[count];
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = size == sizeof(float)
                        ? BitConverter.ToSingle(raw.Slice(i * size, size))
                        : (float)BitConverter.ToDouble(raw.Slice(i * size, size));
                }
            }
            else
            {
                values = proto.DataType == Float ? [.. proto.FloatData] : [.. proto.DoubleData.Select(v => (float)v)];
            }
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
