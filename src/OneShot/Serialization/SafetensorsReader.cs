using System.Buffers.Binary;
using static TorchSharp.torch;

namespace OneShot.Serialization;

/// <summary>
/// Reads a safetensors file (the Hugging Face format: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw little-endian data). Opening checks the
/// whole header against the file; tensors are then read one at a time, on demand.
/// </summary>
/// <remarks>
/// Supported element types: F32, F16, BF16, F64, I64, I32, I16, I8, U8 and BOOL. Tensors keep the element
/// type of the file; <see cref="PretrainedWeights"/> converts them to the network's types when it copies them in.
/// Not thread-safe: the reader keeps one open <see cref="FileStream"/>.
/// </remarks>
internal sealed class SafetensorsReader : IDisposable
{
    /// <summary>The largest header accepted, in bytes (the limit of the reference implementation).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>The usual file extension, <c>.safetensors</c>.</summary>
    public const string FileExtension = ".safetensors";

    private readonly FileStream _stream;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

    private SafetensorsReader(string path, FileStream stream, long dataStart, SafetensorsHeader header)
    {
        FilePath = path;
        _stream = stream;
        _dataStart = dataStart;
        Tensors = header.Tensors;
        Metadata = header.Metadata;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file being read.</summary>
    public string FilePath { get; }

    /// <summary>The tensors the header describes, in header order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> string-to-string map; empty when there is none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens <paramref name="path"/> and checks its header against the format and the file length.</summary>
    /// <param name="path">The safetensors file.</param>
    /// <exception cref="SafetensorsFormatException">The file breaks the format; the message names the problem.</exception>
    /// <exception cref="ModelFormatException">The file does not exist or cannot be read.</exception>
    public static SafetensorsReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = OpenFile(path, "safetensors");
        try
        {
            return Open(stream, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Whether a tensor named <paramref name="name"/> is in the file.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Reads the tensor <paramref name="name"/> in the file's element type, as a new CPU tensor the caller owns.</summary>
    /// <exception cref="KeyNotFoundException">The file has no such tensor.</exception>
    /// <exception cref="SafetensorsFormatException">The file became shorter since it was opened.</exception>
    public Tensor ReadTensor(string name)
    {
        ObjectDisposedException.ThrowIf(!_stream.CanRead, this);
        ArgumentNullException.ThrowIfNull(name);
        if (!_byName.TryGetValue(name, out var info))
        {
            throw new KeyNotFoundException($"Safetensors file '{FilePath}' has no tensor named '{name}'; it holds {Tensors.Count} tensors.");
        }

        return Read(info);
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    /// <summary>Reads every tensor into a state dictionary the caller owns.</summary>
    internal StateDict ReadAll()
    {
        var result = new StateDict();
        try
        {
            foreach (var info in Tensors)
            {
                result.TryAdd(info.Name, Read(info));
            }

            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Reads the header of <paramref name="stream"/>, a file named <paramref name="path"/>; the reader takes ownership of the stream.</summary>
    internal static SafetensorsReader Open(FileStream stream, string path)
    {
        stream.Position = 0;
        var (dataStart, header) = ReadHeader(stream, path);
        return new SafetensorsReader(path, stream, dataStart, header);
    }

    /// <summary>
    /// Whether <paramref name="stream"/> starts like a safetensors file: a header length that fits the stream,
    /// followed by <c>{</c>. Leaves the stream at its start.
    /// </summary>
    internal static bool LooksLikeSafetensors(Stream stream)
    {
        Span<byte> start = stackalloc byte[9];
        stream.Position = 0;
        int read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        if (read < start.Length)
        {
            return false;
        }

        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(start);
        return start[8] == (byte)'{' && length <= MaxHeaderBytes && (long)length <= stream.Length - 8;
    }

    /// <summary>Opens <paramref name="path"/> for reading, turning a missing or unreadable file into a <see cref="ModelFormatException"/>.</summary>
    internal static FileStream OpenFile(string path, string what)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ModelFormatException(path, $"The {what} weights file '{path}' was not found.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"The {what} weights file '{path}' could not be read: {e.Message}", e);
        }
    }

    private static (long DataStart, SafetensorsHeader Header) ReadHeader(FileStream stream, string path)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new SafetensorsFormatException(path, $"Safetensors file '{path}' is {fileLength} bytes long; expected at least 8 bytes holding the header length.");
        }

        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
        {
            throw new SafetensorsFormatException(path, $"Safetensors file '{path}' declares a header of {headerLength} bytes; expected at most {MaxHeaderBytes}. The file is damaged or not a safetensors file.");
        }

        if ((long)headerLength > fileLength - 8)
        {
            throw new SafetensorsFormatException(path, $"Safetensors file '{path}' declares a header of {headerLength} bytes but only {fileLength - 8} bytes follow the length field: the file is truncated or not a safetensors file.");
        }

        var json = new byte[headerLength];
        stream.ReadExactly(json);
        long dataStart = 8 + (long)headerLength;
        return (dataStart, SafetensorsHeader.Parse(json, fileLength - dataStart, path));
    }

    private Tensor Read(SafetensorsTensorInfo info)
    {
        if (info.ByteCount > Array.MaxLength)
        {
            throw new SafetensorsFormatException(FilePath, $"Safetensors file '{FilePath}': entry '{info.Name}' holds {info.ByteCount} bytes; at most {Array.MaxLength} are supported per tensor.");
        }

        var data = new byte[info.ByteCount];
        try
        {
            _stream.Position = _dataStart + info.Begin;
            _stream.ReadExactly(data);
        }
        catch (EndOfStreamException e)
        {
            throw new SafetensorsFormatException(FilePath, $"Safetensors file '{FilePath}' ends inside the data of entry '{info.Name}'; it was truncated after it was opened.", e);
        }

        var tensor = empty(info.Shape.ToArray(), dtype: info.ElementType);
        if (data.Length > 0)
        {
            tensor.bytes = data;
        }

        return tensor;
    }
}
