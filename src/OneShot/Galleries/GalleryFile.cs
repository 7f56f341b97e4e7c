using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OneShot.Classification;
using OneShot.Embeddings;

namespace OneShot.Galleries;

/// <summary>
/// The gallery file format, version 2 (version 1 files, without properties, are read too). All integers and
/// floats are little-endian.
/// <code>
/// magic      8 bytes   89 'O' 'S' 'G' 0D 0A 1A 0A
/// version    uint32    2
/// length     int64     payload length in bytes
/// payload    length    see below
/// checksum   32 bytes  SHA-256 of the payload
///
/// payload:   4 strings (fingerprint architecture, options, preprocessing, weights SHA-256),
///            int32 D, int32 label count, the labels, int32 entry count,
///            one int32 label index per entry, then entry count x D float32 embeddings,
///            then (version 2) int32 property count and that many key and value strings.
/// string:    int32 byte length, then UTF-8 bytes.
/// </code>
/// </summary>
internal static class GalleryFile
{
    /// <summary>The format version this code writes and the newest it reads.</summary>
    public const uint CurrentVersion = 2;

    private const int HeaderLength = 8 + 4 + 8;
    private const int ChecksumLength = 32;

    private static readonly byte[] Magic = [0x89, (byte)'O', (byte)'S', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Writes <paramref name="content"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, GalleryContent content)
    {
        byte[] payload = BuildPayload(content);
        Span<byte> header = stackalloc byte[HeaderLength];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], CurrentVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header[12..], payload.Length);
        stream.Write(header);
        stream.Write(payload);
        stream.Write(SHA256.HashData(payload));
    }

    /// <summary>Reads and checks the gallery file at <paramref name="path"/>.</summary>
    /// <exception cref="GalleryFormatException">The file is not a gallery, is newer, truncated or corrupt.</exception>
    public static GalleryContent Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new GalleryFormatException(path, $"The file '{path}' is not a OneShot gallery: it does not start with the gallery magic bytes.");
        }

        if (bytes.Length < HeaderLength + ChecksumLength)
        {
            throw new GalleryFormatException(path, $"The gallery file '{path}' is truncated: {bytes.Length} bytes, shorter than the header and checksum.");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (version > CurrentVersion)
        {
            throw new GalleryFormatException(
                path,
                $"The gallery file '{path}' has format version {version}, newer than this OneShot reads (up to {CurrentVersion}). Upgrade OneShot to load it.");
        }

        if (version == 0)
        {
            throw new GalleryFormatException(path, $"The gallery file '{path}' is corrupt: format version 0 does not exist.");
        }

        long length = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12));
        long actual = bytes.Length - HeaderLength - ChecksumLength;
        if (length != actual)
        {
            throw new GalleryFormatException(
                path,
                $"The gallery file '{path}' is truncated or corrupt: the header declares a {length}-byte payload but the file holds {actual} bytes of payload.");
        }

        var payload = bytes.AsSpan(HeaderLength, (int)length);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(bytes.AsSpan(HeaderLength + (int)length, ChecksumLength)))
        {
            throw new GalleryFormatException(path, $"The gallery file '{path}' is corrupt: the SHA-256 checksum of its contents does not match.");
        }

        return ParsePayload(path, payload.ToArray(), version);
    }

    private static byte[] BuildPayload(GalleryContent content)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            var f = content.Fingerprint;
            foreach (string text in new[] { f.Architecture, f.Options, f.Preprocessing, f.WeightsSha256 })
            {
                WriteString(writer, text);
            }

            writer.Write(content.EmbeddingSize);
            writer.Write(content.Labels.Count);
            foreach (string label in content.Labels)
            {
                WriteString(writer, label);
            }

            writer.Write(content.EntryLabels.Count);
            foreach (int index in content.EntryLabels)
            {
                writer.Write(index);
            }

            foreach (float[] vector in content.Vectors)
            {
                foreach (float value in vector)
                {
                    writer.Write(value);
                }
            }

            writer.Write(content.Properties.Count);
            foreach (var (key, value) in content.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                WriteString(writer, key);
                WriteString(writer, value);
            }
        }

        return buffer.ToArray();
    }

    private static void WriteString(BinaryWriter writer, string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        writer.Write(utf8.Length);
        writer.Write(utf8);
    }

    private static GalleryContent ParsePayload(string path, byte[] payload, uint version)
    {
        var reader = new PayloadReader(path, payload);
        var fingerprint = new EmbedderFingerprint(reader.String(), reader.String(), reader.String(), reader.String());
        int dimension = reader.Count("embedding length", min: 1);
        int labelCount = reader.Count("label count", min: 0);
        var labels = new string[labelCount];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < labelCount; i++)
        {
            labels[i] = reader.String();
            if (string.IsNullOrWhiteSpace(labels[i]) || labels[i] == Prediction.UnknownLabel || !seen.Add(labels[i]))
            {
                throw reader.Corrupt($"label {i} is empty, reserved or repeated");
            }
        }

        int entryCount = reader.Count("entry count", min: 0);
        var entryLabels = new int[entryCount];
        var used = new bool[labelCount];
        for (int i = 0; i < entryCount; i++)
        {
            entryLabels[i] = reader.Count("label index", min: 0);
            if (entryLabels[i] >= labelCount)
            {
                throw reader.Corrupt($"entry {i} has label index {entryLabels[i]} but there are {labelCount} labels");
            }

            used[entryLabels[i]] = true;
        }

        if (Array.IndexOf(used, false) is int unused and >= 0)
        {
            throw reader.Corrupt($"label '{labels[unused]}' has no entries");
        }

        var vectors = new float[entryCount][];
        if (version == 1)
        {
            reader.ExpectRemaining((long)entryCount * dimension * sizeof(float));
        }

        for (int i = 0; i < entryCount; i++)
        {
            vectors[i] = reader.Floats(dimension);
        }

        var properties = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (version >= 2)
        {
            int propertyCount = reader.Count("property count", min: 0);
            for (int i = 0; i < propertyCount; i++)
            {
                string key = reader.String();
                if (string.IsNullOrWhiteSpace(key) || !properties.TryAdd(key, reader.String()))
                {
                    throw reader.Corrupt($"property {i} has an empty or repeated key '{key}'");
                }
            }

            reader.ExpectRemaining(0);
        }

        return new GalleryContent(fingerprint, dimension, labels, entryLabels, vectors, properties);
    }
}
