using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Data;

/// <summary>
/// Decodes image files (PNG, JPEG, BMP, GIF first frame, WebP) with SkiaSharp and turns them into
/// model inputs as described by an <see cref="ImagePreprocessing"/>. Safe to use from many threads.
/// </summary>
public sealed class ImageLoader
{
    /// <summary>Creates a loader for <paramref name="preprocessing"/>.</summary>
    public ImageLoader(ImagePreprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        Preprocessing = preprocessing;
    }

    /// <summary>The preprocessing applied to every image.</summary>
    public ImagePreprocessing Preprocessing { get; }

    /// <summary>Loads the image file at <paramref name="path"/> as a float32 CPU tensor <c>[C,H,W]</c>.</summary>
    /// <exception cref="ImageDecodeException">The file is missing, empty, of unknown format, corrupt, truncated or too large.</exception>
    public Tensor Load(string path) => throw new NotImplementedException();

    /// <summary>Loads an image from <paramref name="stream"/> as a float32 CPU tensor <c>[C,H,W]</c>.</summary>
    /// <param name="stream">The encoded image.</param>
    /// <param name="sourceName">A name for the source used in error messages (a file name or URL).</param>
    public Tensor Load(Stream stream, string sourceName) => throw new NotImplementedException();

    /// <summary>Loads an image from encoded bytes as a float32 CPU tensor <c>[C,H,W]</c>.</summary>
    /// <param name="data">The encoded image.</param>
    /// <param name="sourceName">A name for the source used in error messages.</param>
    public Tensor Load(ReadOnlySpan<byte> data, string sourceName) => throw new NotImplementedException();

    /// <summary>Loads several image files as one float32 CPU tensor <c>[N,C,H,W]</c>, in order.</summary>
    public Tensor LoadBatch(IReadOnlyList<string> paths) => throw new NotImplementedException();
}
