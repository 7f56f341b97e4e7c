using System.Globalization;

namespace OneShot.Data;

/// <summary>
/// What one image, and one batch of images, may cost before it is refused: the limits a host that accepts uploads sets.
/// Carried by <see cref="ImagePreprocessing.Limits"/>, so every <see cref="ImageLoader"/>, gallery and
/// <c>FileEmbeddingPipeline</c> built from that preprocessing applies them; a model folder takes them at load time
/// (<c>ModelFile.Load(directory, device, limits)</c>). Limits are not part of a model's identity: changing them never
/// changes an embedding or a fingerprint.
/// </summary>
/// <remarks>
/// Decoding an image of W x H pixels holds about W·H·(4 + 4·C) bytes at once (C = 1 for grayscale, 3 for RGB inputs):
/// 512 MiB for a grayscale input from an image at the default <see cref="MaxPixels"/>, whatever the size of the file
/// (a mostly uniform PNG of 64 Mi pixels compresses to a few hundred kilobytes).
/// </remarks>
public sealed record ImageLimits
{
    /// <summary>The default <see cref="MaxPixels"/>: 64 Mi pixels (8192 x 8192).</summary>
    public const long DefaultMaxPixels = 64L * 1024 * 1024;

    /// <summary>The default <see cref="MaxEncodedBytes"/>: 256 MiB.</summary>
    public const long DefaultMaxEncodedBytes = 256L * 1024 * 1024;

    /// <summary>The default <see cref="MaxBatchBytes"/>: 1 GiB.</summary>
    public const long DefaultMaxBatchBytes = 1024L * 1024 * 1024;

    private readonly long _maxPixels = DefaultMaxPixels;
    private readonly long _maxEncodedBytes = DefaultMaxEncodedBytes;
    private readonly long _maxBatchBytes = DefaultMaxBatchBytes;

    /// <summary>The limits used when none are given.</summary>
    public static ImageLimits Default { get; } = new();

    /// <summary>
    /// Largest image, in pixels (width x height as its header declares), that is decoded; larger ones are refused
    /// (<see cref="ImageDecodeError.TooLarge"/>) before any pixel memory is allocated. Default 64 Mi.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public long MaxPixels
    {
        get => _maxPixels;
        init => _maxPixels = Positive(value, nameof(MaxPixels));
    }

    /// <summary>
    /// Largest encoded image, in bytes (the file or stream), that is read; larger ones are refused
    /// (<see cref="ImageDecodeError.TooLarge"/>) before they are read into memory. Default 256 MiB.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public long MaxEncodedBytes
    {
        get => _maxEncodedBytes;
        init => _maxEncodedBytes = Positive(value, nameof(MaxEncodedBytes));
    }

    /// <summary>
    /// The memory, in bytes, one batch may hold for images at once: the decoding images of one loader together (further
    /// decodes wait; an image that alone needs more decodes alone), and the decoded model inputs of one batch of a
    /// file pipeline (at least one image). Bounds the peak memory of enrolling or classifying many files. Default 1 GiB.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public long MaxBatchBytes
    {
        get => _maxBatchBytes;
        init => _maxBatchBytes = Positive(value, nameof(MaxBatchBytes));
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"maxPixels={MaxPixels};maxEncodedBytes={MaxEncodedBytes};maxBatchBytes={MaxBatchBytes}");

    private static long Positive(long value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive; got {value}.");
}
