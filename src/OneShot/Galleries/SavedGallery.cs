using OneShot.Embeddings;

namespace OneShot.Galleries;

/// <summary>
/// A gallery file read and checked once: what it holds (<see cref="Info"/>) before any embedder exists, then
/// <see cref="Open"/> with the embedder that info chose, without reading or checking the file again.
/// </summary>
/// <remarks>
/// For callers that pick the embedder from the file itself, for example a model folder or the test-time augmentation
/// recorded in its properties. <see cref="Gallery.ReadInfo"/> followed by <see cref="Gallery.Load"/> reads, hashes and
/// parses the whole file twice; this reads it once. The object keeps the file's embeddings until it is collected.
/// </remarks>
public sealed class SavedGallery
{
    private readonly GalleryContent _content;
    private readonly Lazy<GalleryInfo> _info;

    private SavedGallery(string path, GalleryContent content)
    {
        Path = path;
        _content = content;
        _info = new Lazy<GalleryInfo>(BuildInfo, LazyThreadSafetyMode.PublicationOnly);
    }

    /// <summary>The file as given to <see cref="Read"/>.</summary>
    public string Path { get; }

    /// <summary>Fingerprint, embedding length, classes with their counts, properties and classifier of the file.</summary>
    /// <exception cref="GalleryFormatException">
    /// The file's classifier cannot be read (for example an outside method whose codec is not registered with
    /// <see cref="Classification.ClassifierRegistry.Register"/>); <see cref="Open"/> with explicit options still works.
    /// </exception>
    public GalleryInfo Info => _info.Value;

    /// <summary>Reads and checks the gallery file at <paramref name="path"/> (format, length, checksum, every count and value).</summary>
    /// <exception cref="GalleryFormatException">
    /// The file is not a gallery, is newer, truncated or corrupt.
    /// </exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static SavedGallery Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var content = GalleryFile.Read(path);
        return new SavedGallery(path, content);
    }

    /// <summary>
    /// A gallery holding the file's examples and properties, classifying with <paramref name="embedder"/>. Each call
    /// returns a new, independent gallery.
    /// </summary>
    /// <param name="embedder">The embedder to classify with (the caller's, not disposed by the gallery); its fingerprint must equal the file's.</param>
    /// <param name="options">The classifier; null (the default) uses <see cref="GalleryInfo.Classifier"/>, or nearest prototype when the file has none.</param>
    /// <exception cref="EmbedderMismatchException">The file was built with a different embedder.</exception>
    /// <exception cref="GalleryFormatException">
    /// The embedder produces embeddings of another length than the file's, or <paramref name="options"/> is null and
    /// the file's classifier cannot be read.
    /// </exception>
    public Gallery Open(IEmbedder embedder, GalleryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(embedder);

        // Checked before the classifier is read, as Gallery.Load always did: a mismatch is the first thing to report.
        var expected = embedder.GetFingerprint();
        if (_content.Fingerprint != expected)
        {
            throw new EmbedderMismatchException(Path, expected, _content.Fingerprint);
        }

        if (_content.EmbeddingSize != embedder.EmbeddingSize)
        {
            throw new GalleryFormatException(
                Path,
                $"The gallery file '{Path}' holds {_content.EmbeddingSize}-value embeddings but its embedder produces {embedder.EmbeddingSize}.");
        }

        options ??= _content.ClassifierJson is null ? null : new GalleryOptions { Classifier = Info.Classifier! };

        // Galleries opened from one file share its row arrays: a gallery never changes a row in place (enrolment adds
        // rows, removal drops them) and hands out copies, so they stay independent.
        return Gallery.FromContent(_content, embedder, expected, options);
    }

    private GalleryInfo BuildInfo()
    {
        var content = _content;
        var counts = new int[content.Labels.Count];
        foreach (int label in content.EntryLabels)
        {
            counts[label]++;
        }

        return new GalleryInfo(
            content.Fingerprint,
            content.EmbeddingSize,
            content.Labels.Select((l, i) => new KeyValuePair<string, int>(l, counts[i])).ToArray(),
            content.Properties,
            content.ClassifierJson is null ? null : Gallery.ReadClassifier(Path, content.ClassifierJson));
    }
}
