using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OneShot.Classification;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Galleries;
using OneShot.Serialization;
using static TorchSharp.torch;

namespace OneShot.Hosting;

/// <summary>
/// One embedder and one gallery behind the limits of <see cref="OneShotServiceOptions"/>: enrol uploaded images under a
/// label, classify uploaded images, list and remove labels. Registered as a singleton by
/// <see cref="OneShotServiceCollectionExtensions.AddOneShot"/>.
/// </summary>
/// <remarks>
/// <para>
/// Safe to call from many threads at once: classifications run concurrently (the gallery classifies against an
/// immutable fitted classifier); enrolments embed their images concurrently, then the change and the save that follows it
/// are serialised with other enrolments and removals, so the gallery file always holds the latest state and is written
/// atomically (a crash mid-save leaves the previous file).
/// </para>
/// <para>
/// Every image is checked before anything changes: byte size, declared pixel count (from the header, before pixel
/// memory is allocated), format and completeness. A refused request throws <see cref="RecognitionRequestException"/>
/// and leaves the gallery as it was. The recognizer owns the embedder and the gallery and disposes both.
/// </para>
/// </remarks>
public sealed class OneShotRecognizer : IDisposable
{
    private readonly Lock _writeLock = new();
    private readonly Gallery _gallery;
    private readonly ImageLoader _loader;
    private readonly ILogger _logger;
    private bool _disposed;

    private OneShotRecognizer(IEmbedder embedder, Gallery gallery, string? galleryPath, string gallerySource, OneShotServiceOptions options, ILogger logger)
    {
        Embedder = embedder;
        _gallery = gallery;
        GalleryPath = galleryPath;
        GallerySource = gallerySource;
        Options = options;
        _logger = logger;
        _loader = new ImageLoader(embedder.Preprocessing with { MaxPixels = options.MaxPixels });
    }

    /// <summary>The embedder images are turned into embeddings with.</summary>
    public IEmbedder Embedder { get; }

    /// <summary>The limits and sources this recognizer was built from.</summary>
    public OneShotServiceOptions Options { get; }

    /// <summary>The full path of the gallery file saved after every change, or null when the recognizer saves nothing.</summary>
    public string? GalleryPath { get; }

    /// <summary>Where the gallery lives, for logs and health reports: the file path, "memory" or "UseGallery".</summary>
    public string GallerySource { get; }

    /// <summary>The total number of enrolled examples.</summary>
    public int Count => _gallery.Count;

    /// <summary>
    /// Builds a recognizer: loads the model (or calls <see cref="OneShotServiceOptions.UseEmbedder"/>'s factory), then
    /// opens the gallery (the factory of <see cref="OneShotServiceOptions.UseGallery"/>, the file at
    /// <see cref="OneShotServiceOptions.GalleryPath"/> when it exists, or a new empty one).
    /// </summary>
    /// <param name="options">The model, gallery and limits; checked with <see cref="OneShotServiceOptions.Validate"/>.</param>
    /// <param name="services">Passed to the factories; may be null when no factory is set.</param>
    /// <param name="logger">Where load, enrolment, removal and refusal are logged; null for none.</param>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    /// <exception cref="EmbedderMismatchException">The gallery file was built with another model.</exception>
    /// <exception cref="InvalidOperationException">A factory returned null, or a gallery for another embedder.</exception>
    public static OneShotRecognizer Create(OneShotServiceOptions options, IServiceProvider? services = null, ILogger<OneShotRecognizer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ILogger log = logger ?? (ILogger)NullLogger.Instance;
        IEmbedder embedder;
        string modelSource;
        if (options.EmbedderFactory is { } embedderFactory)
        {
            embedder = embedderFactory(services ?? EmptyServices.Instance)
                ?? throw new InvalidOperationException("The UseEmbedder factory returned null; expected an embedder.");
            modelSource = "UseEmbedder";
        }
        else
        {
            modelSource = Path.GetFullPath(options.ModelPath!);
            embedder = ModelFile.Load(modelSource);
        }

        try
        {
            // The gallery file is read and checked once: its recorded views choose the embedder, then it is opened.
            var saved = options.GalleryFactory is null && !string.IsNullOrWhiteSpace(options.GalleryPath) && File.Exists(options.GalleryPath)
                ? SavedGallery.Read(Path.GetFullPath(options.GalleryPath))
                : null;
            embedder = WithTestTimeAugmentation(embedder, options, saved);
            var preprocessing = embedder.Preprocessing;
            Log.ModelLoaded(log, embedder.Architecture, modelSource, embedder.EmbeddingSize, preprocessing.Width, preprocessing.Height, preprocessing.Channels, embedder.GetFingerprint().ToString());
            var (gallery, path, source) = OpenGallery(options, services, embedder, modelSource, saved);
            Log.GalleryOpened(log, source, gallery.Labels.Count, gallery.Count);
            return new OneShotRecognizer(embedder, gallery, path, source, options, log);
        }
        catch
        {
            embedder.Dispose();
            throw;
        }
    }

    /// <summary>The enrolled labels with their example counts, in order of first enrolment (a snapshot).</summary>
    public IReadOnlyList<LabelCount> GetLabels() => _gallery.Counts.Select(c => new LabelCount(c.Key, c.Value)).ToArray();

    /// <summary>Enrolls <paramref name="images"/> under <paramref name="label"/> and saves the gallery.</summary>
    /// <returns>The label with its example count after the enrolment.</returns>
    /// <exception cref="RecognitionRequestException">The label or an image breaks a rule; nothing is enrolled.</exception>
    public LabelCount Enroll(string label, IReadOnlyList<ImageUpload> images)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ValidateLabel(label);
        var watch = Stopwatch.StartNew();
        float[] values = Decode(images);
        int count;
        using (var scope = NewDisposeScope())
        {
            using var batch = ToBatch(values, images.Count);
            // Embedded outside the lock, so concurrent enrolments only queue for the add and the save.
            using var embeddings = Embedder.Embed(batch);
            lock (_writeLock)
            {
                _gallery.EnrollEmbeddings(label, embeddings);
                count = _gallery.Counts[label];
                Save();
            }
        }

        Log.Enrolled(_logger, label, images.Count, count, watch.Elapsed.TotalMilliseconds);
        return new LabelCount(label, count);
    }

    /// <summary>Classifies <paramref name="images"/>, one prediction per image, in order.</summary>
    /// <exception cref="RecognitionRequestException">An image breaks a rule, or no label is enrolled yet.</exception>
    public IReadOnlyList<Prediction> Classify(IReadOnlyList<ImageUpload> images)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var watch = Stopwatch.StartNew();
        float[] values = Decode(images);
        if (_gallery.Count == 0)
        {
            throw Refuse(RecognitionError.EmptyGallery, "No label is enrolled yet: enrol images under at least one label before classifying.");
        }

        IReadOnlyList<Prediction> predictions;
        try
        {
            using var scope = NewDisposeScope();
            using var batch = ToBatch(values, images.Count);
            predictions = _gallery.ClassifyBatch(batch);
        }
        catch (InvalidOperationException) when (_gallery.Count == 0)
        {
            // The last label was removed between the check and the classification.
            throw Refuse(RecognitionError.EmptyGallery, "No label is enrolled yet: enrol images under at least one label before classifying.");
        }

        Log.Classified(_logger, images.Count, watch.Elapsed.TotalMilliseconds);
        return predictions;
    }

    /// <summary>Removes <paramref name="label"/> and all its examples, and saves the gallery.</summary>
    /// <returns>The number of examples removed, or null when the label was not enrolled (nothing changes).</returns>
    public int? Remove(string label)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(label);
        int removed;
        lock (_writeLock)
        {
            if (!_gallery.Counts.TryGetValue(label, out removed) || !_gallery.Remove(label))
            {
                return null;
            }

            Save();
        }

        Log.Removed(_logger, label, removed);
        return removed;
    }

    /// <summary>
    /// Refuses a request body larger than <see cref="OneShotServiceOptions.MaxUploadBytes"/> before it is read; for
    /// hosts that know the length up front (an HTTP Content-Length).
    /// </summary>
    /// <param name="bytes">The announced body length, or null when unknown.</param>
    /// <exception cref="RecognitionRequestException">The length is over the limit.</exception>
    public void CheckUploadLength(long? bytes)
    {
        if (bytes > Options.MaxUploadBytes)
        {
            throw Refuse(RecognitionError.UploadTooLarge, FormattableString.Invariant(
                $"The upload is {bytes} bytes; expected at most {Options.MaxUploadBytes} bytes (setting MaxUploadBytes)."));
        }
    }

    /// <summary>Disposes the gallery and the embedder. Call when no other call is in flight.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _gallery.Dispose();
        Embedder.Dispose();
    }

    /// <summary>
    /// <paramref name="embedder"/> averaged over the test-time augmentation the options set, or else the one the gallery
    /// file records; the embedder itself when neither has one.
    /// </summary>
    /// <exception cref="ArgumentException">The setting and the gallery file's record differ; the message names both.</exception>
    private static IEmbedder WithTestTimeAugmentation(IEmbedder embedder, OneShotServiceOptions options, SavedGallery? saved)
    {
        var configured = options.ParseTestTimeAugmentation();
        bool set = !string.IsNullOrWhiteSpace(options.TestTimeAugmentation);
        if (embedder is AugmentedEmbedder already)
        {
            // A UseEmbedder factory that averages views itself: wrapping it again would average views of views.
            if (set && configured?.ToString() != already.Augmentation.ToString())
            {
                throw new ArgumentException(
                    $"OneShot TestTimeAugmentation is '{configured?.ToString() ?? "none"}', but the UseEmbedder factory returned an embedder that already averages '{already.Augmentation}'; set '{already.Augmentation}' (or leave it unset), or return the plain embedder.",
                    nameof(OneShotServiceOptions.TestTimeAugmentation));
            }

            return embedder;
        }

        TestTimeAugmentation? recorded = null;
        if (saved is not null)
        {
            string path = saved.Path;
            recorded = TestTimeAugmentation.FromGalleryProperties(saved.Info.Properties, path);
            if (set && configured?.ToString() != recorded?.ToString())
            {
                throw new ArgumentException(
                    $"OneShot TestTimeAugmentation is '{configured?.ToString() ?? "none"}', but the gallery '{path}' was enrolled with '{recorded?.ToString() ?? "none"}'; set '{recorded?.ToString() ?? "none"}' (or leave it unset), or use another GalleryPath. The gallery is unchanged.",
                    nameof(OneShotServiceOptions.TestTimeAugmentation));
            }
        }

        var augmentation = configured ?? recorded;
        return augmentation is null ? embedder : new AugmentedEmbedder(embedder, augmentation, ownsInner: true);
    }

    private static (Gallery Gallery, string? Path, string Source) OpenGallery(OneShotServiceOptions options, IServiceProvider? services, IEmbedder embedder, string modelSource, SavedGallery? saved)
    {
        if (options.GalleryFactory is { } galleryFactory)
        {
            var supplied = galleryFactory(services ?? EmptyServices.Instance, embedder)
                ?? throw new InvalidOperationException("The UseGallery factory returned null; expected a gallery.");
            if (supplied.Fingerprint != embedder.GetFingerprint())
            {
                supplied.Dispose();
                throw new InvalidOperationException(
                    $"The UseGallery factory returned a gallery for embedder {supplied.Fingerprint}; expected one for the service's embedder {embedder.GetFingerprint()}.");
            }

            return (supplied, null, "UseGallery");
        }

        if (string.IsNullOrWhiteSpace(options.GalleryPath))
        {
            return (new Gallery(embedder), null, "memory");
        }

        if (saved is not null)
        {
            return (saved.Open(embedder), saved.Path, saved.Path);
        }

        string path = Path.GetFullPath(options.GalleryPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var gallery = new Gallery(embedder);
        gallery.SetProperty("model", modelSource);
        if (embedder is AugmentedEmbedder augmented)
        {
            gallery.SetProperty(TestTimeAugmentation.GalleryPropertyName, augmented.Augmentation.ToString());
        }

        return (gallery, path, path);
    }

    private void ValidateLabel(string label)
    {
        string? problem = label switch
        {
            null or "" => "is empty",
            _ when string.IsNullOrWhiteSpace(label) => "is only whitespace",
            _ when label.Length > Options.MaxLabelLength => FormattableString.Invariant($"has {label.Length} characters, more than {Options.MaxLabelLength} (setting MaxLabelLength)"),
            _ when label.Any(char.IsControl) => "holds a control character",
            _ when char.IsWhiteSpace(label[0]) || char.IsWhiteSpace(label[^1]) => "starts or ends with whitespace",
            Prediction.UnknownLabel => "is reserved for open-set rejections",
            _ => null,
        };
        if (problem is not null)
        {
            throw Refuse(RecognitionError.InvalidLabel, $"The label '{label}' {problem}; expected 1 to {Options.MaxLabelLength} printable characters, not '{Prediction.UnknownLabel}'.");
        }
    }

    /// <summary>Checks the batch and decodes every image into one C x H x W block per image; throws before anything changes.</summary>
    private float[] Decode(IReadOnlyList<ImageUpload> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw Refuse(RecognitionError.NoImages, "The request holds no image; expected at least one image file.");
        }

        if (images.Count > Options.MaxImagesPerRequest)
        {
            throw Refuse(RecognitionError.TooManyImages, FormattableString.Invariant(
                $"The request holds {images.Count} images; expected at most {Options.MaxImagesPerRequest} (setting MaxImagesPerRequest)."));
        }

        foreach (var image in images)
        {
            if (image.Content.Length > Options.MaxImageBytes)
            {
                throw Refuse(RecognitionError.ImageTooLarge, FormattableString.Invariant(
                    $"Image '{image.Name}' is {image.Content.Length} bytes; expected at most {Options.MaxImageBytes} bytes per image (setting MaxImageBytes)."), image.Name);
            }
        }

        int size = _loader.ValuesPerImage;
        float[] values = new float[(long)images.Count * size];
        for (int i = 0; i < images.Count; i++)
        {
            try
            {
                _loader.LoadPixels(images[i].Content.Span, images[i].Name).CopyTo(values.AsSpan(i * size, size));
            }
            catch (ImageDecodeException e)
            {
                var error = e.Error switch
                {
                    ImageDecodeError.Empty => RecognitionError.EmptyImage,
                    ImageDecodeError.UnknownFormat => RecognitionError.UnknownFormat,
                    ImageDecodeError.TooLarge => RecognitionError.TooManyPixels,
                    _ => RecognitionError.CorruptImage,
                };
                string suffix = error == RecognitionError.TooManyPixels
                    ? FormattableString.Invariant($" The service accepts at most {Options.MaxPixels} pixels per image (setting MaxPixels).")
                    : string.Empty;
                throw Refuse(error, e.Message + suffix, images[i].Name, e);
            }
        }

        return values;
    }

    private Tensor ToBatch(float[] values, int count)
    {
        var p = _loader.Preprocessing;
        return tensor(values, [count, p.Channels, p.Height, p.Width]);
    }

    private void Save()
    {
        if (GalleryPath is null)
        {
            return;
        }

        var watch = Stopwatch.StartNew();
        try
        {
            _gallery.Save(GalleryPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.SaveFailed(_logger, e, GalleryPath);
            throw;
        }

        Log.Saved(_logger, GalleryPath, watch.Elapsed.TotalMilliseconds);
    }

    private RecognitionRequestException Refuse(RecognitionError error, string message, string? sourceName = null, Exception? inner = null)
    {
        Log.Refused(_logger, error, message);
        return new RecognitionRequestException(error, message, sourceName, inner);
    }
}
