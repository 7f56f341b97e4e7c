using System.Text;
using OneShot.Classification;
using OneShot.Embeddings;
using OneShot.IO;

namespace OneShot.Galleries;

/// <summary>
/// The gallery file format, version 3 (versions 1 and 2 are read too), framed by <see cref="ChecksummedFile"/>
/// (magic <c>89 'O' 'S' 'G' 0D 0A 1A 0A</c>, version, length, payload, SHA-256). All integers and floats are little-endian.
/// <code>
/// payload:   4 strings (fingerprint architecture, options, preprocessing, weights SHA-256),
///            int32 D, int32 label count, the labels, int32 entry count,
///            one int32 label index per entry, then entry count x D float32 embeddings (all finite),
///            then (version 2+) int32 property count and that many key and value strings,
///            then (version 3) one byte 0 or 1 and, after a 1, the classifier JSON as a string.
/// string:    int32 byte length, then UTF-8 bytes.
/// </code>
/// Every count is checked against the bytes that remain before anything is allocated for it.
/// </summary>
internal static class GalleryFile
{
    /// <summary>The format version this code writes and the newest it reads.</summary>
    public const uint CurrentVersion = 3;

    /// <summary>The longest classifier JSON read, in UTF-8 bytes.</summary>
    public const int MaxClassifierJsonBytes = 64 << 20;

    /// <summary>The gallery format for <see cref="ChecksummedFile"/>.</summary>
    public static ChecksummedFormat Format { get; } = new(
        "gallery",
        [0x89, (byte)'O', (byte)'S', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A],
        CurrentVersion,
        (path, message, inner) => new GalleryFormatException(path, message, inner));

    /// <summary>Writes <paramref name="content"/> to <paramref name="stream"/> (magic, version, length, payload, checksum).</summary>
    public static void Write(Stream stream, GalleryContent content) => ChecksummedFile.WriteTo(stream, Format, BuildPayload(content));

    /// <summary>Saves <paramref name="content"/> to <paramref name="path"/> atomically and durably.</summary>
    public static void Save(string path, GalleryContent content, Func<Stream, Stream>? wrapStream = null) =>
        ChecksummedFile.Write(path, Format, BuildPayload(content), wrapStream);

    /// <summary>Reads and checks the gallery file at <paramref name="path"/>.</summary>
    /// <exception cref="GalleryFormatException">The file is not a gallery, is newer, truncated or corrupt.</exception>
    public static GalleryContent Read(string path)
    {
        var (version, payload) = ChecksummedFile.Read(path, Format);
        return ParsePayload(path, payload, version);
    }

    /// <summary>Parses the bytes of a gallery file, <paramref name="path"/> naming it in messages (the fuzz harnesses' entry point).</summary>
    /// <exception cref="GalleryFormatException">The bytes are not a gallery, are newer, truncated or corrupt.</exception>
    public static GalleryContent Parse(byte[] bytes, string path)
    {
        var (version, payload) = ChecksummedFile.Parse(bytes, path, Format);
        return ParsePayload(path, payload, version);
    }

    /// <summary>The payload of <paramref name="content"/> (the fuzz harnesses mutate it and frame it again).</summary>
    internal static byte[] BuildPayload(GalleryContent content)
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

            writer.Write(content.ClassifierJson is not null);
            if (content.ClassifierJson is not null)
            {
                WriteString(writer, content.ClassifierJson);
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

        // Each label takes at least its 4-byte length; each entry its 4-byte label index and D floats.
        int labelCount = reader.Count("label count", min: 0, bytesEach: sizeof(int));
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

        int entryCount = reader.Count("entry count", min: 0, bytesEach: sizeof(int) + ((long)dimension * sizeof(float)));
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
            if (Array.FindIndex(vectors[i], v => !float.IsFinite(v)) is int bad and >= 0)
            {
                throw reader.Corrupt($"entry {i} (label '{labels[entryLabels[i]]}') has the non-finite value {vectors[i][bad]} at position {bad} of its embedding");
            }
        }

        var properties = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string? classifierJson = null;
        if (version >= 2)
        {
            // Each property takes at least its two 4-byte string lengths.
            int propertyCount = reader.Count("property count", min: 0, bytesEach: 2 * sizeof(int));
            for (int i = 0; i < propertyCount; i++)
            {
                string key = reader.String();
                if (string.IsNullOrWhiteSpace(key) || !properties.TryAdd(key, reader.String()))
                {
                    throw reader.Corrupt($"property {i} has an empty or repeated key '{key}'");
                }
            }
        }

        if (version >= 3)
        {
            classifierJson = reader.Byte("classifier flag") switch
            {
                0 => null,
                1 => reader.String(MaxClassifierJsonBytes),
                byte other => throw reader.Corrupt($"the classifier flag is {other}, expected 0 or 1"),
            };
        }

        if (version >= 2)
        {
            reader.ExpectRemaining(0);
        }

        return new GalleryContent(fingerprint, dimension, labels, entryLabels, vectors, properties, classifierJson);
    }
}
