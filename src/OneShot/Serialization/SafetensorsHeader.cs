using System.Text;
using System.Text.Json;

namespace OneShot.Serialization;

/// <summary>
/// Parses and checks the JSON header of a safetensors file against the rules of the format
/// (huggingface/safetensors README): a JSON object of tensor entries plus an optional string-to-string
/// <c>__metadata__</c> map, no duplicate keys, every byte count equal to the shape times the element size,
/// and the data offsets tiling the data section exactly (no overlap, no hole, nothing after the last tensor).
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>The reserved key of the free-form metadata map.</summary>
    public const string MetadataKey = "__metadata__";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private SafetensorsHeader(List<SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map; empty when the header has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Parses <paramref name="json"/>, the header of <paramref name="source"/>, whose data section holds <paramref name="dataLength"/> bytes.</summary>
    /// <exception cref="SafetensorsFormatException">The header breaks the format; the message names the first problem.</exception>
    public static SafetensorsHeader Parse(byte[] json, long dataLength, string source)
    {
        if (json.Length == 0 || json[0] != (byte)'{')
        {
            throw Error(source, $"the header does not start with '{{' (found {(json.Length == 0 ? "an empty header" : $"byte 0x{json[0]:X2}")}); expected a JSON object.");
        }

        try
        {
            StrictUtf8.GetCharCount(json);
        }
        catch (DecoderFallbackException e)
        {
            throw Error(source, $"the header is not valid UTF-8: {e.Message}", e);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Error(source, $"the header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error(source, $"the header is a JSON {root.ValueKind}; expected an object.");
            }

            var tensors = new List<SafetensorsTensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw Error(source, $"the header holds the key '{property.Name}' twice; the format forbids duplicate keys.");
                }

                if (property.Name == MetadataKey)
                {
                    ReadMetadata(property.Value, metadata, source);
                }
                else
                {
                    tensors.Add(ReadEntry(property.Name, property.Value, dataLength, source));
                }
            }

            CheckTiling(tensors, dataLength, source);
            return new SafetensorsHeader(tensors, metadata);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Error(source, $"\"{MetadataKey}\" is a JSON {value.ValueKind}; expected an object mapping strings to strings.");
        }

        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Error(source, $"\"{MetadataKey}\" maps '{item.Name}' to a JSON {item.Value.ValueKind}; expected a string (the format's metadata is a string-to-string map).");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw Error(source, $"\"{MetadataKey}\" holds the key '{item.Name}' twice; the format forbids duplicate keys.");
            }
        }
    }

    private static SafetensorsTensorInfo ReadEntry(string name, JsonElement entry, long dataLength, string source)
    {
        const string Expected = "expected an object with \"dtype\", \"shape\" and \"data_offsets\"";
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw Error(source, $"entry '{name}' is a JSON {entry.ValueKind}; {Expected}.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in entry.EnumerateObject())
        {
            if (!seen.Add(field.Name))
            {
                throw Error(source, $"entry '{name}' holds the field \"{field.Name}\" twice.");
            }
        }

        if (!entry.TryGetProperty("dtype", out var dtypeElement))
        {
            throw Error(source, $"entry '{name}' has no \"dtype\"; {Expected}.");
        }

        if (!entry.TryGetProperty("shape", out var shapeElement))
        {
            throw Error(source, $"entry '{name}' has no \"shape\"; {Expected}.");
        }

        if (!entry.TryGetProperty("data_offsets", out var offsetsElement))
        {
            throw Error(source, $"entry '{name}' has no \"data_offsets\"; {Expected}.");
        }

        string dtype = dtypeElement.ValueKind == JsonValueKind.String
            ? dtypeElement.GetString()!
            : throw Error(source, $"entry '{name}' has a \"dtype\" that is a JSON {dtypeElement.ValueKind}; expected a string such as \"F32\".");
        if (!SafetensorsElementTypes.TryGet(dtype, out var elementType))
        {
            throw Error(source, $"entry '{name}' has the unknown or unsupported dtype '{dtype}'; expected one of {SafetensorsElementTypes.Supported}.");
        }

        long[] shape = ReadIntegers(shapeElement, -1)
            ?? throw Error(source, $"entry '{name}' has the \"shape\" {shapeElement.GetRawText()}; expected an array of non-negative integers.");
        if (shape.Length > StateDictReader.MaxRank)
        {
            throw Error(source, $"entry '{name}' has rank {shape.Length}; expected at most {StateDictReader.MaxRank}.");
        }

        long[] offsets = ReadIntegers(offsetsElement, 2)
            ?? throw Error(source, $"entry '{name}' has the \"data_offsets\" {offsetsElement.GetRawText()}; expected [begin, end], two non-negative integers.");
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end)
        {
            throw Error(source, $"entry '{name}' has data_offsets [{begin}, {end}]: the begin is past the end.");
        }

        if (end > dataLength)
        {
            throw Error(source, $"entry '{name}' has data_offsets [{begin}, {end}] but the data section holds only {dataLength} bytes: the offsets are out of range.");
        }

        long expected = ByteCount(shape, StateDictElementTypes.SizeOf(elementType));
        if (expected != end - begin)
        {
            string needs = expected < 0 ? "more bytes than a file can hold" : $"{expected} bytes";
            throw Error(source, $"entry '{name}' of dtype {dtype} and shape {StateDictReader.FormatShape(shape)} needs {needs}, but its data_offsets [{begin}, {end}] span {end - begin}.");
        }

        return new SafetensorsTensorInfo(name, dtype, elementType, shape, begin, end);
    }

    /// <summary>The tensors sorted by offset must cover [0, dataLength) exactly, each beginning where the previous one ends.</summary>
    private static void CheckTiling(List<SafetensorsTensorInfo> tensors, long dataLength, string source)
    {
        long position = 0;
        string? previous = null;
        foreach (var tensor in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (tensor.Begin < position)
            {
                throw Error(source, $"entry '{tensor.Name}' begins at byte {tensor.Begin} but '{previous}' ends at byte {position}: their data overlaps.");
            }

            if (tensor.Begin > position)
            {
                throw Error(source, $"bytes {position} to {tensor.Begin} of the data section belong to no tensor (before entry '{tensor.Name}'); the format forbids holes.");
            }

            position = tensor.End;
            previous = tensor.Name;
        }

        if (position != dataLength)
        {
            throw Error(source, $"the data section holds {dataLength} bytes but the tensors cover only the first {position}; the format forbids unindexed bytes.");
        }
    }

    /// <summary>An array of non-negative 64-bit integers (of length <paramref name="length"/> unless it is -1), or null.</summary>
    private static long[]? ReadIntegers(JsonElement element, int length)
    {
        if (element.ValueKind != JsonValueKind.Array || (length >= 0 && element.GetArrayLength() != length))
        {
            return null;
        }

        var values = new long[element.GetArrayLength()];
        int i = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long value) || value < 0)
            {
                return null;
            }

            values[i++] = value;
        }

        return values;
    }

    /// <summary>The product of <paramref name="shape"/> times <paramref name="elementSize"/>, or -1 on overflow.</summary>
    private static long ByteCount(long[] shape, int elementSize)
    {
        long bytes = elementSize;
        foreach (long dimension in shape)
        {
            if (dimension != 0 && bytes > long.MaxValue / dimension)
            {
                return shape.Contains(0) ? 0 : -1;
            }

            bytes *= dimension;
        }

        return bytes;
    }

    private static SafetensorsFormatException Error(string source, string problem, Exception? inner = null) =>
        new(source, $"Safetensors file '{source}': {problem}", inner);
}
