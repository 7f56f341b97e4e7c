using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using OneShot.Tests.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Tests.Serialization;

/// <summary>Writes safetensors files byte by byte: the 8-byte little-endian header length, the JSON header, the data.</summary>
internal sealed class SafetensorsTestFile
{
    private readonly List<(string Name, string DataType, long[] Shape, byte[] Data)> _entries = [];

    /// <summary>The <c>__metadata__</c> map, or null to write none.</summary>
    public Dictionary<string, string>? Metadata { get; init; }

    /// <summary>Adds a tensor with raw little-endian <paramref name="data"/>.</summary>
    public SafetensorsTestFile Add(string name, string dataType, long[] shape, byte[] data)
    {
        _entries.Add((name, dataType, shape, data));
        return this;
    }

    /// <summary>Adds an F32 tensor.</summary>
    public SafetensorsTestFile AddF32(string name, long[] shape, params float[] values)
    {
        var data = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), values[i]);
        }

        return Add(name, "F32", shape, data);
    }

    /// <summary>Adds a 16-bit tensor (F16 or BF16) from its raw bit patterns.</summary>
    public SafetensorsTestFile AddBits16(string name, string dataType, long[] shape, params ushort[] bits)
    {
        var data = new byte[bits.Length * 2];
        for (int i = 0; i < bits.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(i * 2), bits[i]);
        }

        return Add(name, dataType, shape, data);
    }

    /// <summary>Adds a tensor with its own bytes, shape and element type (F32, F16, BF16, F64 or I64).</summary>
    public SafetensorsTestFile Add(string name, Tensor tensor)
    {
        string dataType = tensor.dtype switch
        {
            ScalarType.Float32 => "F32",
            ScalarType.Float16 => "F16",
            ScalarType.BFloat16 => "BF16",
            ScalarType.Float64 => "F64",
            ScalarType.Int64 => "I64",
            _ => throw new ArgumentException($"No safetensors name for {tensor.dtype} in this test helper.", nameof(tensor)),
        };
        return Add(name, dataType, tensor.shape, TensorAssert.Bytes(tensor));
    }

    /// <summary>Adds every entry of a state dictionary, converted to <paramref name="floatType"/> when floating point.</summary>
    public SafetensorsTestFile AddStateDict(IEnumerable<KeyValuePair<string, Tensor>> stateDict, ScalarType floatType = ScalarType.Float32, Func<string, string>? rename = null)
    {
        foreach (var (name, value) in stateDict)
        {
            using var converted = value.is_floating_point() ? value.to(floatType) : value.alias();
            Add(rename?.Invoke(name) ?? name, converted);
        }

        return this;
    }

    /// <summary>The file: entries laid out one after another in the order added.</summary>
    public byte[] ToBytes()
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (Metadata is not null)
            {
                writer.WriteStartObject("__metadata__");
                foreach (var (key, value) in Metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, dataType, shape, data) in _entries)
            {
                writer.WriteStartObject(name);
                writer.WriteString("dtype", dataType);
                writer.WriteStartArray("shape");
                foreach (long d in shape)
                {
                    writer.WriteNumberValue(d);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + data.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += data.Length;
            }

            writer.WriteEndObject();
        }

        return Raw(json.ToArray(), [.. _entries.SelectMany(e => e.Data)]);
    }

    /// <summary>A file made of the given header JSON (UTF-8) and data section.</summary>
    public static byte[] Raw(string header, byte[] data) => Raw(Encoding.UTF8.GetBytes(header), data);

    /// <summary>A file made of the length of <paramref name="header"/>, <paramref name="header"/> and <paramref name="data"/>.</summary>
    public static byte[] Raw(byte[] header, byte[] data)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }
}
