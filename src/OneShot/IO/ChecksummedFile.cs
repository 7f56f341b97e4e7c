using System.Buffers.Binary;
using System.Security.Cryptography;

namespace OneShot.IO;

/// <summary>
/// The one integrity scheme of every file OneShot writes: written through <see cref="AtomicFile"/>, and
/// either framed as below (galleries, training checkpoints) or, for files whose format is fixed by others (a
/// model folder's weights), recorded by length and SHA-256 in a framed or JSON file and checked with
/// <see cref="Verify"/>. All integers are little-endian.
/// <code>
/// magic      8 bytes   per format
/// version    uint32    the format version
/// length     int64     payload length in bytes
/// payload    length    per format
/// checksum   32 bytes  SHA-256 of the payload
/// </code>
/// </summary>
internal static class ChecksummedFile
{
    /// <summary>Bytes before the payload: magic, version, length.</summary>
    public const int HeaderLength = 8 + 4 + 8;

    /// <summary>Bytes after the payload: the SHA-256.</summary>
    public const int ChecksumLength = 32;

    /// <summary>Writes <paramref name="payload"/> framed as <paramref name="format"/> to <paramref name="path"/>, atomically and durably.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="format">The format (magic and version).</param>
    /// <param name="payload">The payload bytes.</param>
    /// <param name="wrapStream">Wraps the temporary file's stream; tests use it to inject a failure mid-write.</param>
    public static void Write(string path, ChecksummedFormat format, byte[] payload, Func<Stream, Stream>? wrapStream = null)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(payload);
        AtomicFile.Write(path, stream => WriteTo(wrapStream?.Invoke(stream) ?? stream, format, payload));
    }

    /// <summary>Writes <paramref name="payload"/> framed as <paramref name="format"/> to <paramref name="stream"/>.</summary>
    public static void WriteTo(Stream stream, ChecksummedFormat format, byte[] payload)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        format.Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], format.CurrentVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header[12..], payload.Length);
        stream.Write(header);
        stream.Write(payload);
        stream.Write(SHA256.HashData(payload));
    }

    /// <summary>
    /// Reads the file at <paramref name="path"/> and checks its magic, version, length and checksum; then deletes
    /// temporary files that interrupted saves of it left behind. Returns the version and the payload.
    /// </summary>
    /// <exception cref="OneShotException">The format's exception: not this format, newer, older than supported, truncated or corrupt.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static (uint Version, byte[] Payload) Read(string path, ChecksummedFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var result = Parse(File.ReadAllBytes(path), path, format);
        AtomicFile.RemoveStaleTemporaries(path);
        return result;
    }

    /// <summary>Checks the magic, version, length and checksum of <paramref name="bytes"/> read from <paramref name="path"/>; returns the version and the payload.</summary>
    /// <exception cref="OneShotException">The format's exception: not this format, newer, older than supported, truncated or corrupt.</exception>
    public static (uint Version, byte[] Payload) Parse(byte[] bytes, string path, ChecksummedFormat format)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(format);
        string name = format.Name;
        if (bytes.Length < format.Magic.Length || !bytes.AsSpan(0, format.Magic.Length).SequenceEqual(format.Magic))
        {
            throw format.Error(path, $"The file '{path}' is not a OneShot {name}: it does not start with the {name} magic bytes.", null);
        }

        if (bytes.Length < HeaderLength + ChecksumLength)
        {
            throw format.Error(path, $"The {name} file '{path}' is truncated: {bytes.Length} bytes, shorter than the header and checksum.", null);
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (version > format.CurrentVersion)
        {
            throw format.Error(
                path,
                $"The {name} file '{path}' has format version {version}, newer than this OneShot reads (up to {format.CurrentVersion}). Upgrade OneShot to load it.",
                null);
        }

        if (version == 0)
        {
            throw format.Error(path, $"The {name} file '{path}' is corrupt: format version 0 does not exist.", null);
        }

        if (version < format.OldestVersion)
        {
            throw format.Error(
                path,
                $"The {name} file '{path}' has format version {version}, older than this OneShot reads ({format.OldestVersion} to {format.CurrentVersion}). {format.ObsoleteVersionAdvice}".TrimEnd(),
                null);
        }

        long length = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12));
        long actual = bytes.Length - HeaderLength - ChecksumLength;
        if (length != actual)
        {
            throw format.Error(
                path,
                $"The {name} file '{path}' is truncated or corrupt: the header declares a {length}-byte payload but the file holds {actual} bytes of payload.",
                null);
        }

        var payload = bytes.AsSpan(HeaderLength, (int)length);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(bytes.AsSpan(HeaderLength + (int)length, ChecksumLength)))
        {
            throw format.Error(path, $"The {name} file '{path}' is corrupt: the SHA-256 checksum of its contents does not match.", null);
        }

        return (version, payload.ToArray());
    }

    /// <summary>The lower-case hex SHA-256 of <paramref name="content"/>.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>
    /// Checks that <paramref name="content"/> has the length and SHA-256 recorded for it elsewhere (a model
    /// folder's <c>model.json</c> records its weights file). Returns null when it does, else the content's actual
    /// SHA-256 (lower-case hex) for the caller's message.
    /// </summary>
    public static string? Verify(ReadOnlySpan<byte> content, long expectedLength, string expectedSha256)
    {
        string sha = Sha256Hex(content);
        return content.Length == expectedLength && string.Equals(sha, expectedSha256, StringComparison.OrdinalIgnoreCase) ? null : sha;
    }
}
