using System.Text;
using static TorchSharp.torch;

namespace OneShot.Serialization;

/// <summary>
/// Writes TorchSharp's state-dict format, byte for byte what <c>Module.save</c> writes and
/// <c>Module.load</c> (and exportsd.py users) read: a LEB128 entry count, then per entry a
/// length-prefixed UTF-8 name, the LEB128 element type code, rank and dimensions, and the raw
/// little-endian element bytes.
/// </summary>
internal static class StateDictWriter
{
    /// <summary>Writes <paramref name="entries"/> in order to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IReadOnlyCollection<KeyValuePair<string, Tensor>> entries)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(entries);
        using var scope = NewDisposeScope();
        Leb128.Write(stream, entries.Count);
        foreach (var (name, tensor) in entries)
        {
            if (StateDictElementTypes.SizeOf(tensor.dtype) == 0)
            {
                throw new NotSupportedException($"State-dict entry '{name}' has element type {tensor.dtype}, which TorchSharp's weights format does not carry.");
            }

            byte[] nameBytes = Encoding.UTF8.GetBytes(name);
            Leb128.Write(stream, nameBytes.Length);
            stream.Write(nameBytes);
            Leb128.Write(stream, (long)tensor.dtype);
            Leb128.Write(stream, tensor.shape.Length);
            foreach (long dim in tensor.shape)
            {
                Leb128.Write(stream, dim);
            }

            var cpu = tensor.detach().cpu().contiguous();
            stream.Write(cpu.bytes);
        }
    }

    /// <summary>The bytes of <paramref name="entries"/> in TorchSharp's state-dict format.</summary>
    public static byte[] ToBytes(IReadOnlyCollection<KeyValuePair<string, Tensor>> entries)
    {
        using var buffer = new MemoryStream();
        Write(buffer, entries);
        return buffer.ToArray();
    }
}
