using OneShot.Classification;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.IO;
using static TorchSharp.torch;

namespace OneShot.Galleries;

/// <summary>
/// Labelled examples enrolled at run time (images or precomputed embeddings), classified with a few-shot
/// classifier and saved to one file stamped with the embedder's fingerprint.
/// </summary>
/// <remarks>
/// <para>
/// Every member except <see cref="Dispose"/> is safe to call from many threads at once: classification runs
/// concurrently against an immutable fitted classifier, rebuilt lazily after <see cref="Enroll(string, Tensor)"/>
/// or <see cref="Remove"/>; enrolment and removal are serialised and wait for running classifications.
/// Concurrent classifications give the same results as serial ones.
/// </para>
/// <para>
/// Ownership follows the library's rule, "the caller owns what it passes in; a type that creates an embedder owns
/// it": the gallery never creates an embedder, so it never disposes one; dispose the embedder after the gallery. Do
/// not change the embedder's weights while a gallery uses it (<see cref="Save(string)"/> checks and refuses).
/// </para>
/// <para>
/// The classifier (<see cref="GalleryOptions.Classifier"/>) is saved with the gallery and used again by
/// <see cref="Load"/>; a file of an older format, which has none, loads with the default prototype classifier.
/// </para>
/// </remarks>
public sealed class Gallery : IDisposable
{
    private static readonly ClassifierOptions DefaultClassifier = new PrototypeClassifierOptions();
    private readonly GalleryState _state;
    private readonly IEmbedder _embedder;
    private readonly Lock _propertiesLock = new();
    private readonly SortedDictionary<string, string> _properties = new(StringComparer.Ordinal);

    /// <summary>Creates an empty gallery for embeddings from <paramref name="embedder"/>.</summary>
    /// <param name="embedder">Turns enrolled and queried images into embeddings; the caller's (not disposed by the gallery).</param>
    /// <param name="options">The classifier; defaults to nearest prototype with squared Euclidean distance.</param>
    public Gallery(IEmbedder embedder, GalleryOptions? options = null)
        : this(embedder, options, embedder?.GetFingerprint()!)
    {
    }

    /// <summary>
    /// Opens a gallery whose examples live in <paramref name="store"/> (for example a PostgreSQL database shared by
    /// several processes) instead of in memory and one file. Enrolment and removal write through the store; changes
    /// made by other processes are applied before every read and classification.
    /// </summary>
    /// <param name="embedder">Turns enrolled and queried images into embeddings; the caller's (not disposed by the gallery).</param>
    /// <param name="store">The system of record; the caller's (not disposed by the gallery).</param>
    /// <param name="options">The classifier; defaults to nearest prototype with squared Euclidean distance.</param>
    /// <exception cref="EmbedderMismatchException">The store holds embeddings of a different embedder.</exception>
    /// <exception cref="ArgumentException">The store's embedding length differs from the embedder's.</exception>
    public static Gallery Open(IEmbedder embedder, IGalleryStore store, GalleryOptions? options = null) =>
        new(embedder, options, CheckStore(embedder, store), store);

    private Gallery(IEmbedder embedder, GalleryOptions? options, EmbedderFingerprint fingerprint, IGalleryStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        _embedder = embedder;
        Options = options ?? new GalleryOptions();
        Fingerprint = fingerprint;
        EmbeddingSize = embedder.EmbeddingSize;
        _state = new GalleryState(EmbeddingSize, Options.Classifier, store);
    }

    /// <summary>The classifier options.</summary>
    public GalleryOptions Options { get; }

    /// <summary>The fingerprint of the embedder, taken when the gallery was created; saved with the gallery.</summary>
    public EmbedderFingerprint Fingerprint { get; }

    /// <summary>The embedding length D.</summary>
    public int EmbeddingSize { get; }

    /// <summary>The enrolled labels, in order of first enrolment (a snapshot).</summary>
    public IReadOnlyList<string> Labels => _state.Read(store => store.Labels.ToArray());

    /// <summary>How many examples each label has, in <see cref="Labels"/> order (a snapshot).</summary>
    public IReadOnlyDictionary<string, int> Counts => _state.Read(store => store.Labels.ToDictionary(l => l, store.CountOf, StringComparer.Ordinal));

    /// <summary>The total number of enrolled examples.</summary>
    public int Count => _state.Read(store => store.Count);

    /// <summary>
    /// Free-form text properties saved with the gallery, for example the model folder it was built with (a sorted snapshot).
    /// Set them with <see cref="SetProperty"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Properties
    {
        get
        {
            lock (_propertiesLock)
            {
                return new SortedDictionary<string, string>(_properties, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Reads what the gallery file at <paramref name="path"/> holds without an embedder: fingerprint, classes, counts, properties, classifier.</summary>
    /// <exception cref="GalleryFormatException">The file is not a gallery, is newer, truncated or corrupt.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static GalleryInfo ReadInfo(string path) => SavedGallery.Read(path).Info;

    /// <summary>Loads a gallery saved by <see cref="Save(string)"/>, checking that it was built with <paramref name="embedder"/>.</summary>
    /// <param name="path">The gallery file.</param>
    /// <param name="embedder">The embedder to classify with (the caller's); its fingerprint must equal the file's.</param>
    /// <param name="options">
    /// The classifier. Null (the default) uses the classifier saved in the file, or nearest prototype with squared
    /// Euclidean distance when the file has none (formats 1 and 2).
    /// </param>
    /// <exception cref="GalleryFormatException">
    /// The file is not a gallery, is newer, truncated or corrupt, or its classifier cannot be read (for example an
    /// outside method whose codec is not registered with <see cref="ClassifierRegistry.Register"/>).
    /// </exception>
    /// <exception cref="EmbedderMismatchException">The file was built with a different embedder.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static Gallery Load(string path, IEmbedder embedder, GalleryOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(embedder);
        return SavedGallery.Read(path).Open(embedder, options);
    }

    /// <summary>The gallery of a file's <paramref name="content"/>, already checked against <paramref name="embedder"/> by <see cref="SavedGallery.Open"/>.</summary>
    internal static Gallery FromContent(GalleryContent content, IEmbedder embedder, EmbedderFingerprint expected, GalleryOptions? options)
    {
        var gallery = new Gallery(embedder, options, expected);
        foreach (var (key, value) in content.Properties)
        {
            gallery._properties[key] = value;
        }

        for (int i = 0; i < content.Vectors.Count; i++)
        {
            gallery._state.Add(content.Labels[content.EntryLabels[i]], [content.Vectors[i]]);
        }

        return gallery;
    }

    /// <summary>Sets the property <paramref name="key"/> to <paramref name="value"/>, or removes it when the value is null.</summary>
    /// <exception cref="ArgumentException">The key is empty or whitespace.</exception>
    public void SetProperty(string key, string? value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        lock (_propertiesLock)
        {
            if (value is null)
            {
                _properties.Remove(key);
            }
            else
            {
                _properties[key] = value;
            }
        }
    }

    /// <summary>Enrolls the image file at <paramref name="imagePath"/> under <paramref name="label"/>.</summary>
    /// <exception cref="ImageDecodeException">The image cannot be read.</exception>
    public void Enroll(string label, string imagePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(imagePath);
        Enroll(label, [imagePath]);
    }

    /// <summary>
    /// Enrolls the image files at <paramref name="imagePaths"/> (at least one) under <paramref name="label"/>, decoding and
    /// embedding them in batches bounded by the preprocessing's <see cref="ImageLimits"/>.
    /// </summary>
    /// <exception cref="ImageDecodeException">An image cannot be read or exceeds a limit; nothing is enrolled.</exception>
    public void Enroll(string label, IReadOnlyList<string> imagePaths)
    {
        SupportSet.ValidateLabel(label, nameof(label));
        ArgumentNullException.ThrowIfNull(imagePaths);
        if (imagePaths.Count == 0)
        {
            throw new ArgumentException("Enroll at least one image.", nameof(imagePaths));
        }

        using var threads = EnterSmallBatchThreads(imagePaths.Count);
        using var scope = NewDisposeScope();
        Add(label, new FileEmbeddingPipeline(_embedder).Embed(imagePaths));
    }

    /// <summary>
    /// Enrolls images under <paramref name="label"/>: one image <c>[C,H,W]</c> or a batch <c>[N,C,H,W]</c>,
    /// float32, preprocessed as the embedder's <see cref="IEmbedder.Preprocessing"/> describes.
    /// </summary>
    public void Enroll(string label, Tensor images)
    {
        SupportSet.ValidateLabel(label, nameof(label));
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var batch = images.dim() == 3 ? images.unsqueeze(0) : images;
        using var threads = EnterSmallBatchThreads(batch);
        Add(label, _embedder.Embed(batch));
    }

    /// <summary>Enrolls precomputed embeddings under <paramref name="label"/>: one <c>[D]</c> or several <c>[N,D]</c>.</summary>
    /// <exception cref="ArgumentException">The label is invalid, the shape or length D is wrong, or a value is not finite.</exception>
    public void EnrollEmbeddings(string label, Tensor embeddings)
    {
        SupportSet.ValidateLabel(label, nameof(label));
        ArgumentNullException.ThrowIfNull(embeddings);
        using var scope = NewDisposeScope();
        Add(label, ToMatrix(embeddings, nameof(embeddings)));
    }

    /// <summary>Enrolls one precomputed embedding of length D under <paramref name="label"/>; the values are copied.</summary>
    /// <exception cref="ArgumentException">The label is invalid, the length is not <see cref="EmbeddingSize"/>, or a value is not finite.</exception>
    public void EnrollEmbedding(string label, ReadOnlyMemory<float> embedding) => EnrollEmbeddings(label, [embedding.ToArray()]);

    /// <summary>Enrolls precomputed embeddings (at least one, each of length D) under <paramref name="label"/>; the values are copied.</summary>
    /// <exception cref="ArgumentException">The label is invalid, there is no embedding, a length is not <see cref="EmbeddingSize"/>, or a value is not finite; nothing is enrolled.</exception>
    public void EnrollEmbeddings(string label, IReadOnlyList<float[]> embeddings)
    {
        SupportSet.ValidateLabel(label, nameof(label));
        ArgumentNullException.ThrowIfNull(embeddings);
        _state.Add(label, GalleryStore.ToRows(embeddings, EmbeddingSize, nameof(embeddings)));
    }

    /// <summary>Removes <paramref name="label"/> and all its examples.</summary>
    /// <returns>True when the label was enrolled; false when it was not (nothing changes).</returns>
    public bool Remove(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return _state.Remove(label);
    }

    /// <summary>The enrolled embeddings of <paramref name="label"/> as a new float32 CPU tensor <c>[N,D]</c>, in enrolment order.</summary>
    /// <exception cref="KeyNotFoundException">The label is not enrolled; the message lists the enrolled labels.</exception>
    public Tensor GetEmbeddings(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        float[][] rows = _state.Read(store => store.RowsOf(label) ?? throw NotEnrolled(label, store));
        return ToTensor(rows);
    }

    /// <summary>The enrolled embeddings of <paramref name="label"/> as new arrays, one per example, in enrolment order.</summary>
    /// <exception cref="KeyNotFoundException">The label is not enrolled; the message lists the enrolled labels.</exception>
    public float[][] GetEmbeddingArrays(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        float[][] rows = _state.Read(store => store.RowsOf(label) ?? throw NotEnrolled(label, store));
        return rows.Select(r => (float[])r.Clone()).ToArray();
    }

    /// <summary>Classifies the image file at <paramref name="imagePath"/>.</summary>
    /// <exception cref="InvalidOperationException">The gallery is empty.</exception>
    public Prediction Classify(string imagePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(imagePath);
        return ClassifyBatch([imagePath])[0];
    }

    /// <summary>Classifies image files, one prediction per path, in order.</summary>
    /// <exception cref="InvalidOperationException">The gallery is empty.</exception>
    public IReadOnlyList<Prediction> ClassifyBatch(IReadOnlyList<string> imagePaths)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        if (imagePaths.Count == 0)
        {
            return [];
        }

        // Decoded in bounded batches (overlapped with embedding on a GPU), so memory does not grow with the file count.
        using var threads = EnterSmallBatchThreads(imagePaths.Count);
        using var scope = NewDisposeScope();
        return Predict(new FileEmbeddingPipeline(_embedder).Embed(imagePaths));
    }

    /// <summary>Classifies one preprocessed image <c>[C,H,W]</c>.</summary>
    /// <exception cref="InvalidOperationException">The gallery is empty.</exception>
    public Prediction Classify(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() != 3)
        {
            throw new ArgumentException(
                $"Expected one image of shape [C,H,W]; got [{string.Join(",", image.shape)}]. Use ClassifyBatch for [N,C,H,W].",
                nameof(image));
        }

        using var threads = EnterSmallBatchThreads(1);
        using var scope = NewDisposeScope();
        return Predict(_embedder.Embed(image.unsqueeze(0)))[0];
    }

    /// <summary>Classifies a batch of preprocessed images <c>[N,C,H,W]</c>, one prediction per image.</summary>
    /// <exception cref="InvalidOperationException">The gallery is empty.</exception>
    public IReadOnlyList<Prediction> ClassifyBatch(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var threads = EnterSmallBatchThreads(images);
        using var scope = NewDisposeScope();
        return Predict(_embedder.Embed(images));
    }

    /// <summary>Classifies precomputed embeddings, one <c>[D]</c> or several <c>[Q,D]</c>; one prediction per row.</summary>
    /// <exception cref="InvalidOperationException">The gallery is empty.</exception>
    public IReadOnlyList<Prediction> ClassifyEmbeddings(Tensor embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        using var scope = NewDisposeScope();
        return Predict(ToMatrix(embeddings, nameof(embeddings)));
    }

    /// <summary>Classifies one precomputed embedding of length D.</summary>
    /// <exception cref="ArgumentException">The length is not <see cref="EmbeddingSize"/>.</exception>
    /// <exception cref="InvalidOperationException">The gallery is empty.</exception>
    public Prediction ClassifyEmbedding(ReadOnlyMemory<float> embedding) => ClassifyEmbeddings([embedding.ToArray()])[0];

    /// <summary>Classifies precomputed embeddings, each of length D; one prediction per embedding, in order.</summary>
    /// <exception cref="ArgumentException">A length is not <see cref="EmbeddingSize"/>.</exception>
    /// <exception cref="InvalidOperationException">The gallery is empty.</exception>
    public IReadOnlyList<Prediction> ClassifyEmbeddings(IReadOnlyList<float[]> embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        float[][] rows = GalleryStore.CopyRows(embeddings, EmbeddingSize, nameof(embeddings));
        if (rows.Length == 0)
        {
            return [];
        }

        using var scope = NewDisposeScope();
        return Predict(ToTensor(rows));
    }

    /// <summary>
    /// Saves the gallery to <paramref name="path"/> in one file (format version, embedder fingerprint, labels,
    /// embeddings, the classifier as JSON unless it is the default prototype classifier, SHA-256 checksum). The file is written beside the target and renamed over it, so a crash
    /// mid-save leaves the previous file intact.
    /// </summary>
    /// <exception cref="InvalidOperationException">The embedder's weights changed since the gallery was created.</exception>
    /// <exception cref="ArgumentException">The classifier is an outside method whose codec is not registered with <see cref="ClassifierRegistry.Register"/>.</exception>
    public void Save(string path) => Save(path, wrapStream: null);

    /// <summary>Disposes the fitted classifier. Call when no other call is in flight; the embedder is not disposed.</summary>
    public void Dispose() => _state.Dispose();

    /// <summary>Saves through <paramref name="wrapStream"/>, which tests use to inject a failure mid-write.</summary>
    internal void Save(string path, Func<Stream, Stream>? wrapStream)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var properties = Properties;
        // The default classifier is stored as "none", which every format reads as the default.
        string? classifier = Options.Classifier == DefaultClassifier ? null : ClassifierRegistry.ToJson(Options.Classifier);
        var content = _state.Read(store => store.ToContent(Fingerprint, properties)) with { ClassifierJson = classifier };
        var current = _embedder.GetFingerprint();
        if (current != Fingerprint)
        {
            throw new InvalidOperationException(
                $"The embedder changed since this gallery was created (now {current}, was {Fingerprint}); its embeddings no longer match. Not saved to '{path}'.");
        }

        AtomicFile.Write(path, stream => GalleryFile.Write(wrapStream?.Invoke(stream) ?? stream, content));
    }

    internal static ClassifierOptions ReadClassifier(string path, string json)
    {
        try
        {
            return ClassifierRegistry.FromJson(json);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new GalleryFormatException(path, $"The gallery file '{path}' holds a classifier that cannot be read: {e.Message}", e);
        }
    }

    private static EmbedderFingerprint CheckStore(IEmbedder embedder, IGalleryStore store)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(store);
        var expected = embedder.GetFingerprint();
        if (store.Fingerprint != expected)
        {
            throw new EmbedderMismatchException(store.Name, expected, store.Fingerprint);
        }

        if (store.EmbeddingSize != embedder.EmbeddingSize)
        {
            throw new ArgumentException(
                $"The gallery store '{store.Name}' holds {store.EmbeddingSize}-value embeddings but its embedder produces {embedder.EmbeddingSize}.", nameof(store));
        }

        return expected;
    }

    private static KeyNotFoundException NotEnrolled(string label, GalleryStore store) => new(
        $"The label '{label}' is not enrolled in this gallery. Enrolled labels: {string.Join(", ", store.Labels.Select(l => $"'{l}'"))}.");

    private Tensor ToTensor(float[][] rows) => tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, EmbeddingSize]);

    private void Add(string label, Tensor embeddings) =>
        _state.Add(label, GalleryStore.ToRows(embeddings, EmbeddingSize, nameof(embeddings)));

    private Tensor ToMatrix(Tensor embeddings, string name)
    {
        var matrix = embeddings.dim() == 1 ? embeddings.unsqueeze(0) : embeddings;
        if (matrix.dim() != 2 || matrix.shape[1] != EmbeddingSize)
        {
            throw new ArgumentException(
                $"Expected embeddings of shape [{EmbeddingSize}] or [N,{EmbeddingSize}]; got [{string.Join(",", embeddings.shape)}].", name);
        }

        return matrix;
    }

    private IReadOnlyList<Prediction> Predict(Tensor embeddings) => _state.Predict(embeddings);

    /// <summary>
    /// The embedder's small-batch thread policy (<see cref="Embedder.SmallBatchThreading"/>) held around a whole
    /// classification (decode, embed, score) rather than the forward pass alone, also through an <see cref="AugmentedEmbedder"/>; nothing for other embedders.
    /// </summary>
    private ThreadCountScope EnterSmallBatchThreads(long batch) => EnterSmallBatchThreads(_embedder, batch);

    /// <summary>The policy of <paramref name="embedder"/>, or of the embedder an <see cref="AugmentedEmbedder"/> averages (each view is a pass on the same batch).</summary>
    private static ThreadCountScope EnterSmallBatchThreads(IEmbedder embedder, long batch) => embedder switch
    {
        Embedder plain => plain.EnterSmallBatchThreads(batch),
        AugmentedEmbedder augmented => EnterSmallBatchThreads(augmented.Inner, batch),
        _ => default,
    };

    /// <summary>The same for a batch <c>[N,C,H,W]</c> (a tensor without dimensions counts as none; Embed rejects it).</summary>
    private ThreadCountScope EnterSmallBatchThreads(Tensor images) => EnterSmallBatchThreads(images.dim() > 0 ? images.shape[0] : 0);
}
