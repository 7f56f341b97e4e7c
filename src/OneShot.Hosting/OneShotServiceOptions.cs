using OneShot.Embeddings;
using OneShot.Galleries;

namespace OneShot.Hosting;

/// <summary>
/// What <see cref="OneShotServiceCollectionExtensions.AddOneShot"/> registers: the model, the gallery and the limits every
/// request is checked against. Bind it from configuration (section <c>OneShot</c> in the sample) or set it in code.
/// </summary>
/// <remarks>
/// Settable properties (not <c>init</c>) because the options pattern configures an instance in place; the values are
/// checked by <see cref="Validate"/> when the <see cref="OneShotRecognizer"/> is first resolved, and a bad value stops
/// the host with a message naming the setting.
/// </remarks>
public sealed class OneShotServiceOptions
{
    /// <summary>Default <see cref="MaxUploadBytes"/>: 32 MiB.</summary>
    public const long DefaultMaxUploadBytes = 32L * 1024 * 1024;

    /// <summary>Default <see cref="MaxImageBytes"/>: 8 MiB.</summary>
    public const long DefaultMaxImageBytes = 8L * 1024 * 1024;

    /// <summary>Default <see cref="MaxPixels"/>: 4096 x 4096.</summary>
    public const long DefaultMaxPixels = 4096L * 4096;

    /// <summary>Default <see cref="MaxImagesPerRequest"/>.</summary>
    public const int DefaultMaxImagesPerRequest = 32;

    /// <summary>Default <see cref="MaxLabelLength"/>.</summary>
    public const int DefaultMaxLabelLength = 100;

    private Func<IServiceProvider, IEmbedder>? _embedderFactory;
    private Func<IServiceProvider, IEmbedder, Gallery>? _galleryFactory;

    /// <summary>
    /// The model folder (<c>model.json</c> + weights, as <c>ModelFile.Save</c> or <c>oneshot import-onnx</c> write it) the
    /// embedder is loaded from. Required unless <see cref="UseEmbedder"/> supplies the embedder.
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>
    /// The gallery file: loaded at start when it exists (its embedder fingerprint must match the model), created
    /// otherwise, and saved atomically after every enrolment and removal. Null keeps the gallery in memory only.
    /// Ignored when <see cref="UseGallery"/> supplies the gallery.
    /// </summary>
    public string? GalleryPath { get; set; }

    /// <summary>
    /// Test-time augmentation for every embedding the service makes (enrolment and classification): <c>none</c> (the
    /// default), <c>shifts4</c> or <c>shifts8</c> (<see cref="Embeddings.TestTimeAugmentation.Parse"/>; each image is
    /// embedded in 5 or 9 shifted views and the embeddings averaged). Null takes what the gallery file at
    /// <see cref="GalleryPath"/> records (<c>oneshot enroll --tta</c> and the service both record it), so such a gallery
    /// opens without a setting; a setting (<c>none</c> included) that differs from the gallery's stops the host naming
    /// both, and a gallery the service creates records it.
    /// </summary>
    public string? TestTimeAugmentation { get; set; }

    /// <summary>The largest request body accepted, in bytes (all images of one request together). Default 32 MiB.</summary>
    public long MaxUploadBytes { get; set; } = DefaultMaxUploadBytes;

    /// <summary>The largest encoded image accepted, in bytes. Default 8 MiB.</summary>
    public long MaxImageBytes { get; set; } = DefaultMaxImageBytes;

    /// <summary>
    /// The largest image accepted, in pixels (width x height as declared in its header), checked before any pixel
    /// memory is allocated. Default 4096 x 4096 = 16 Mi pixels.
    /// </summary>
    public long MaxPixels { get; set; } = DefaultMaxPixels;

    /// <summary>The most images one enrolment or classification request may carry. Default 32.</summary>
    public int MaxImagesPerRequest { get; set; } = DefaultMaxImagesPerRequest;

    /// <summary>The longest label accepted, in characters. Default 100.</summary>
    public int MaxLabelLength { get; set; } = DefaultMaxLabelLength;

    /// <summary>The embedder factory set by <see cref="UseEmbedder"/>, or null to load <see cref="ModelPath"/>.</summary>
    internal Func<IServiceProvider, IEmbedder>? EmbedderFactory => _embedderFactory;

    /// <summary>The gallery factory set by <see cref="UseGallery"/>, or null for the file at <see cref="GalleryPath"/>.</summary>
    internal Func<IServiceProvider, IEmbedder, Gallery>? GalleryFactory => _galleryFactory;

    /// <summary>
    /// Supplies the embedder instead of loading <see cref="ModelPath"/> (for example an ONNX embedder). The recognizer
    /// disposes the embedder the factory returns when it is disposed itself.
    /// </summary>
    /// <param name="factory">Builds the embedder once, when the recognizer is first resolved.</param>
    /// <returns>These options, for chaining.</returns>
    public OneShotServiceOptions UseEmbedder(Func<IServiceProvider, IEmbedder> factory)
    {
        _embedderFactory = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }

    /// <summary>
    /// Supplies the gallery instead of the file at <see cref="GalleryPath"/>: a gallery backed by a store that persists
    /// every change itself (so the recognizer saves nothing), or one the host loads its own way. The gallery must use
    /// the embedder passed to the factory; the recognizer disposes it when it is disposed itself.
    /// </summary>
    /// <param name="factory">Builds the gallery once, from the service provider and the embedder.</param>
    /// <returns>These options, for chaining.</returns>
    public OneShotServiceOptions UseGallery(Func<IServiceProvider, IEmbedder, Gallery> factory)
    {
        _galleryFactory = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }

    /// <summary>Checks every setting; throws naming the first one out of range.</summary>
    /// <exception cref="ArgumentException">A setting is missing or out of range; the message names it, its value and what is expected.</exception>
    public void Validate()
    {
        if (_embedderFactory is null && string.IsNullOrWhiteSpace(ModelPath))
        {
            throw new ArgumentException(
                "OneShot ModelPath is not set: expected a model folder (model.json + weights), or an embedder supplied with UseEmbedder.",
                nameof(ModelPath));
        }

        _ = ParseTestTimeAugmentation();
        RequirePositive(MaxUploadBytes, nameof(MaxUploadBytes));
        RequirePositive(MaxImageBytes, nameof(MaxImageBytes));
        RequirePositive(MaxPixels, nameof(MaxPixels));
        RequirePositive(MaxImagesPerRequest, nameof(MaxImagesPerRequest));
        RequirePositive(MaxLabelLength, nameof(MaxLabelLength));
    }

    /// <summary><see cref="TestTimeAugmentation"/> parsed; null for none or unset.</summary>
    /// <exception cref="ArgumentException">The value is not a preset's name; the message names the setting.</exception>
    internal TestTimeAugmentation? ParseTestTimeAugmentation() =>
        string.IsNullOrWhiteSpace(TestTimeAugmentation) ? null
            : Embeddings.TestTimeAugmentation.Parse(TestTimeAugmentation.Trim(), "OneShot " + nameof(TestTimeAugmentation));

    private static void RequirePositive(long value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentException($"OneShot {name} is {value}; expected a positive number.", name);
        }
    }
}
