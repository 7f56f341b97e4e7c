using System.Text;
using static TorchSharp.torch;

namespace OneShot.Serialization;

/// <summary>
/// Reads TorchSharp's state-dict format (what <c>Module.save</c> and exportsd.py write) into a
/// <see cref="StateDict"/>, checking every length against the data present so that truncated or
/// damaged files raise a <see cref="ModelFormatException"/> instead of allocating or reading garbage.
/// </summary>
internal static class StateDictReader
{
    /// <summary>Longest entry name accepted, in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 4096;

    /// <summary>Highest tensor rank accepted.</summary>
    public const int MaxRank = 16;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads the whole of <paramref name="data"/>, a file named <paramref name="source"/>.</summary>
    public static StateDict Read(byte[] data, string source)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var stream = new MemoryStream(data, writable: false);
        return Read(stream, source);
    }

    /// <summary>
    /// Reads a state dictionary from a seekable <paramref name="stream"/> holding exactly one, from a file
    /// named <paramref name="source"/> (used in error messages). The caller owns the result.
    /// </summary>
    public static StateDict Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The weights stream must be seekable so that lengths can be checked.", nameof(stream));
        }

        var result = new StateDict();
        string where = "the entry count";
        try
        {
            long count = ReadLength(stream, source, where);
            for (long i = 0; i < count; i++)
            {
                where = $"entry {i} of {count}";
                string name = ReadName(stream, source, where);
                where = $"entry '{name}'";
                var tensor = ReadTensor(stream, source, name);
                if (!result.TryAdd(name, tensor))
                {
                    tensor.Dispose();
                    throw new ModelFormatException(source, $"Weights file '{source}' holds the key '{name}' twice.");
                }
            }

            if (stream.Position != stream.Length)
            {
                throw new ModelFormatException(
                    source,
                    $"Weights file '{source}' has {stream.Length - stream.Position} bytes after its last entry; expected the file to end after {count} entries.");
            }

            return result;
        }
        catch (EndOfStreamException e)
        {
            result.Dispose();
            throw Truncated(source, where, e);
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads one tensor in TorchSharp's <c>Tensor.Save</c> layout (element type, rank, shape, data) from
    /// <paramref name="stream"/>, validating the header before libtorch sees it (TorchSharp's own <c>Load</c> passes an
    /// unknown element type code straight to libtorch, which is undefined behaviour there).
    /// </summary>
    /// <exception cref="ModelFormatException">The header or the data length is not valid.</exception>
    internal static Tensor ReadTensor(Stream stream, string source, string name)
    {
        long code = ReadLength(stream, source, $"the element type of '{name}'");
        var dtype = (ScalarType)code;
        int elementSize = code <= int.MaxValue ? StateDictElementTypes.SizeOf(dtype) : 0;
        if (elementSize == 0)
        {
            throw new ModelFormatException(source, $"Weights file '{source}': entry '{name}' has element type code {code}, which is not a known TorchSharp element type.");
        }

        long rank = ReadLength(stream, source, $"the rank of '{name}'");
        if (rank > MaxRank)
        {
            throw new ModelFormatException(source, $"Weights file '{source}': entry '{name}' has rank {rank}; expected at most {MaxRank}.");
        }

        var shape = new long[rank];
        long bytes = elementSize;
        long nonZeroProduct = elementSize; // libtorch's strides multiply every dimension, even beside a zero one
        for (int d = 0; d < rank; d++)
        {
            shape[d] = ReadLength(stream, source, $"the shape of '{name}'");
            bytes = shape[d] == 0 || bytes == 0 ? 0 : bytes <= long.MaxValue / shape[d] ? bytes * shape[d] : long.MaxValue;
            if (shape[d] > 0)
            {
                nonZeroProduct = nonZeroProduct <= long.MaxValue / shape[d] ? nonZeroProduct * shape[d] : long.MaxValue;
            }
        }

        if (nonZeroProduct > Array.MaxLength)
        {
            throw new ModelFormatException(
                source,
                $"Weights file '{source}': entry '{name}' has shape {FormatShape(shape)}; its dimensions multiply to more than {Array.MaxLength} bytes per tensor (supported at most).");
        }

        long remaining = stream.Length - stream.Position;
        if (bytes > remaining)
        {
            throw new ModelFormatException(
                source,
                $"Weights file '{source}' is truncated: entry '{name}' of shape {FormatShape(shape)} and type {dtype} needs {bytes} bytes of data but only {remaining} remain.");
        }

        if (bytes > Array.MaxLength)
        {
            throw new ModelFormatException(source, $"Weights file '{source}': entry '{name}' holds {bytes} bytes; at most {Array.MaxLength} are supported per tensor.");
        }

        var data = new byte[bytes];
        stream.ReadExactly(data);
        var tensor = empty(shape, dtype: dtype);
        if (bytes > 0)
        {
            tensor.bytes = data;
        }

        return tensor;
    }

    private static string ReadName(Stream stream, string source, string where)
    {
        long length = ReadLength(stream, source, $"the name length of {where}");
        if (length > MaxNameBytes)
        {
            throw new ModelFormatException(source, $"Weights file '{source}': the name of {where} is {length} bytes long; expected at most {MaxNameBytes}. The file is not in TorchSharp's state-dict format or is damaged.");
        }

        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new ModelFormatException(source, $"Weights file '{source}': the name of {where} is not valid UTF-8.", e);
        }
    }

    private static long ReadLength(Stream stream, string source, string what) =>
        Leb128.Read(stream) ?? throw new ModelFormatException(source, $"Weights file '{source}': {what} is not a valid LEB128 number. The file is not in TorchSharp's state-dict format or is damaged.");

    private static ModelFormatException Truncated(string source, string where, Exception inner) =>
        new(source, $"Weights file '{source}' is truncated: it ends inside {where}.", inner);

    internal static string FormatShape(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";
}
