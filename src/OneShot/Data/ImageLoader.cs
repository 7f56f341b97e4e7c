using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Data;

/// <summary>
/// Decodes image files (PNG, JPEG, BMP, GIF first frame, WebP) with SkiaSharp and turns them into
/// model inputs as described by an <see cref="ImagePreprocessing"/>. Safe to use from many threads.
/// </summary>
/// <remarks>
/// The pipeline: decode, apply the EXIF orientation, composite alpha over the background colour (white by
/// default), convert to grayscale (ITU-R BT.601 luma) or RGB, scale to [0, 1], resize to
/// <see cref="ImagePreprocessing.Width"/> x <see cref="ImagePreprocessing.Height"/> with an antialiased
/// (area-covering bilinear) filter (or resize keeping the aspect ratio and cut the centre), optionally invert, then
/// reorder the channels (BGR), scale to [0, 255] when asked, subtract the mean image if any and normalise each
/// channel as <c>(x - mean) / std</c>. The declared size is checked against
/// <see cref="ImageLimits.MaxPixels"/> from the header, before any pixel memory is allocated, and the encoded size against
/// <see cref="ImageLimits.MaxEncodedBytes"/> before the file is read. Images decoded at once by one loader (in parallel)
/// together hold at most <see cref="ImageLimits.MaxBatchBytes"/> of working memory; further decodes wait.
/// One rule decides what is accepted: an image is accepted when the decoder reports every pixel decoded, and
/// rejected as <see cref="ImageDecodeError.Corrupt"/> otherwise. A PNG without its IEND chunk decodes completely
/// (all its image data is there) and is accepted; a JPEG without its EOI marker is reported as incomplete by
/// libjpeg (which cannot tell it from one that lost pixel data) and is rejected, as is any file cut short.
/// </remarks>
public sealed class ImageLoader
{
    /// <summary>Decodes of at least this many pixels (16 Mi: 128 MiB or more of working memory) are collected right after.</summary>
    private const long CollectAfterPixels = 16L * 1024 * 1024;

    private readonly DecodeBudget _budget;

    /// <summary>Creates a loader for <paramref name="preprocessing"/>.</summary>
    /// <exception cref="ArgumentException">The mean or standard deviation has 3 values but the colour mode gives 1 channel.</exception>
    public ImageLoader(ImagePreprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        int channels = preprocessing.Channels;
        if (preprocessing.Mean.Count is not 1 && preprocessing.Mean.Count != channels)
        {
            throw new ArgumentException(
                $"Preprocessing Mean has {preprocessing.Mean.Count} values but {preprocessing.Color} images have {channels} channel(s); expected 1 value or {channels}.",
                nameof(preprocessing));
        }

        if (preprocessing.Std.Count is not 1 && preprocessing.Std.Count != channels)
        {
            throw new ArgumentException(
                $"Preprocessing Std has {preprocessing.Std.Count} values but {preprocessing.Color} images have {channels} channel(s); expected 1 value or {channels}.",
                nameof(preprocessing));
        }

        if (preprocessing.MeanImage is { } meanImage
            && (meanImage.Channels != channels || meanImage.Height != preprocessing.Height || meanImage.Width != preprocessing.Width))
        {
            throw new ArgumentException(
                $"Preprocessing MeanImage is {meanImage.Channels}x{meanImage.Height}x{meanImage.Width}; expected {channels}x{preprocessing.Height}x{preprocessing.Width} (channels x height x width of the model input).",
                nameof(preprocessing));
        }

        Preprocessing = preprocessing;
        _budget = new DecodeBudget(preprocessing.Limits.MaxBatchBytes);
    }

    /// <summary>The preprocessing applied to every image.</summary>
    public ImagePreprocessing Preprocessing { get; }

    /// <summary>The number of values of one image: channels x height x width.</summary>
    public int ValuesPerImage => Preprocessing.Channels * Preprocessing.Height * Preprocessing.Width;

    /// <summary>Loads the image file at <paramref name="path"/> as a float32 CPU tensor <c>[C,H,W]</c>.</summary>
    /// <exception cref="ImageDecodeException">The file is missing, empty, of unknown format, corrupt, truncated or too large.</exception>
    public Tensor Load(string path) => ToTensor(LoadPixels(path));

    /// <summary>Loads an image from <paramref name="stream"/> as a float32 CPU tensor <c>[C,H,W]</c>.</summary>
    /// <param name="stream">The encoded image.</param>
    /// <param name="sourceName">A name for the source used in error messages (a file name or URL).</param>
    /// <exception cref="ImageDecodeException">The stream is empty, of unknown format, corrupt, truncated or too large.</exception>
    public Tensor Load(Stream stream, string sourceName) => ToTensor(LoadPixels(stream, sourceName));

    /// <summary>Loads an image from encoded bytes as a float32 CPU tensor <c>[C,H,W]</c>.</summary>
    /// <param name="data">The encoded image.</param>
    /// <param name="sourceName">A name for the source used in error messages.</param>
    /// <exception cref="ImageDecodeException">The bytes are empty, of unknown format, corrupt, truncated or too large.</exception>
    public Tensor Load(ReadOnlySpan<byte> data, string sourceName) => ToTensor(LoadPixels(data, sourceName));

    /// <summary>Loads several image files as one float32 CPU tensor <c>[N,C,H,W]</c>, in order.</summary>
    /// <remarks>Files are decoded in parallel. When several fail, the error of the first failing path (in list order) is thrown.</remarks>
    /// <exception cref="ImageDecodeException">One of the files cannot be decoded.</exception>
    public Tensor LoadBatch(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        int size = ValuesPerImage;
        float[] values = new float[(long)paths.Count * size];
        ParallelDecode.For(paths.Count, i => LoadPixels(paths[i]).AsSpan().CopyTo(values.AsSpan(i * size, size)));
        return torch.tensor(values, [paths.Count, Preprocessing.Channels, Preprocessing.Height, Preprocessing.Width]);
    }

    /// <summary>
    /// Loads the image file at <paramref name="path"/> fully preprocessed, as <c>C x H x W</c> float values
    /// (channel planes, rows top to bottom), without creating a tensor.
    /// </summary>
    /// <exception cref="ImageDecodeException">The file is missing, empty, of unknown format, corrupt, truncated or too large.</exception>
    public float[] LoadPixels(string path)
    {
        float[] values = LoadUnnormalized(path);
        Normalize(values);
        return values;
    }

    /// <summary>Loads an image from <paramref name="stream"/> fully preprocessed, as <c>C x H x W</c> float values.</summary>
    /// <param name="stream">The encoded image; read to its end.</param>
    /// <param name="sourceName">A name for the source used in error messages.</param>
    /// <exception cref="ImageDecodeException">The stream is empty, of unknown format, corrupt, truncated or too large.</exception>
    public float[] LoadPixels(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            CheckEncodedSize(buffer.Length + read, sourceName, readSoFar: true);
            buffer.Write(chunk, 0, read);
        }

        return LoadPixels(new ReadOnlySpan<byte>(buffer.GetBuffer(), 0, (int)buffer.Length), sourceName);
    }

    /// <summary>Loads an image from encoded bytes fully preprocessed, as <c>C x H x W</c> float values.</summary>
    /// <param name="data">The encoded image.</param>
    /// <param name="sourceName">A name for the source used in error messages.</param>
    /// <exception cref="ImageDecodeException">The bytes are empty, of unknown format, corrupt, truncated or too large.</exception>
    public float[] LoadPixels(ReadOnlySpan<byte> data, string sourceName)
    {
        float[] values = LoadUnnormalized(data, sourceName);
        Normalize(values);
        return values;
    }

    /// <summary>
    /// Decodes, resizes and (when asked) inverts the file at <paramref name="path"/>, leaving values in [0, 1]
    /// before normalisation: the form datasets cache (quantised to bytes) and normalise later.
    /// </summary>
    internal float[] LoadUnnormalized(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return LoadUnnormalized(ReadFile(path, Preprocessing.Limits.MaxEncodedBytes), path);
    }

    /// <summary>Decodes, resizes and (when asked) inverts <paramref name="data"/>, leaving values in [0, 1].</summary>
    internal float[] LoadUnnormalized(ReadOnlySpan<byte> data, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        ImagePreprocessing p = Preprocessing;
        CheckEncodedSize(data.Length, sourceName);
        IDisposable? reservation = null;
        float[] values;
        try
        {
            (values, long decodedPixels) = DecodeAndResize(data, sourceName, out reservation);
            if (decodedPixels >= CollectAfterPixels)
            {
                // The decode's large arrays are garbage now; collect them before the next decode is let in, or the
                // process keeps one image's worth of dead memory per decode (2.6 GB peak for 8 images of 64 Mi pixels).
                GC.Collect();
            }
        }
        finally
        {
            reservation?.Dispose();
        }

        if (p.Invert)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = 1f - values[i];
            }
        }

        return values;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private (float[] Values, long DecodedPixels) DecodeAndResize(ReadOnlySpan<byte> data, string sourceName, out IDisposable? reservation)
    {
        ImagePreprocessing p = Preprocessing;
        DecodedImage image = ImageDecoder.Decode(data, sourceName, p.Channels, p.Limits.MaxPixels, p.Background, _budget, out reservation);
        if (p.ContentCropMargin is { } margin)
        {
            image = ContentCrop.Apply(image, p.Background, margin);
        }

        float[] values = p.Resize == ResizeMode.CenterCrop
            ? CenterCrop.Apply(image, p.Width, p.Height, p.CropFraction)
            : ImageResampler.Resize(image.Pixels, image.Channels, image.Width, image.Height, p.Width, p.Height);
        return (values, (long)image.Width * image.Height);
    }

    /// <summary>
    /// Turns <c>C x H x W</c> values in [0, 1] (RGB order) into the model input in place: channel order, range,
    /// mean image, then <c>(x - mean[c]) / std[c]</c>.
    /// </summary>
    internal void Normalize(Span<float> values)
    {
        ImagePreprocessing p = Preprocessing;
        int plane = p.Width * p.Height;
        if (p.Channels == 3 && p.ChannelOrder == ChannelOrder.Bgr)
        {
            Span<float> red = values.Slice(0, plane);
            Span<float> blue = values.Slice(2 * plane, plane);
            for (int i = 0; i < plane; i++)
            {
                (red[i], blue[i]) = (blue[i], red[i]);
            }
        }

        if (p.Range == PixelRange.ZeroTo255)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] *= 255f;
            }
        }

        if (p.MeanImage is { } meanImage)
        {
            ReadOnlySpan<float> mean = meanImage.Span;
            for (int i = 0; i < values.Length; i++)
            {
                values[i] -= mean[i];
            }
        }

        for (int c = 0; c < p.Channels; c++)
        {
            float mean = p.MeanOf(c);
            float std = p.StdOf(c);
            if (mean == 0f && std == 1f)
            {
                continue;
            }

            Span<float> channel = values.Slice(c * plane, plane);
            for (int i = 0; i < channel.Length; i++)
            {
                channel[i] = (channel[i] - mean) / std;
            }
        }
    }

    /// <summary>
    /// Reads a whole file, turning a missing or unreadable file into <see cref="ImageDecodeError.NotFound"/> and one of
    /// more than <paramref name="maxBytes"/> bytes into <see cref="ImageDecodeError.TooLarge"/> (before reading it).
    /// </summary>
    internal static byte[] ReadFile(string path, long maxBytes = long.MaxValue)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            long length = file.Length;
            if (length > maxBytes)
            {
                throw TooManyBytes(path, length, maxBytes, readSoFar: false);
            }

            if (length > Array.MaxLength)
            {
                throw new ImageDecodeException(path, ImageDecodeError.TooLarge,
                    $"Image '{path}' is too large: the file holds {length} bytes, expected at most {Array.MaxLength}.");
            }

            byte[] bytes = new byte[length];
            file.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageDecodeException(path, ImageDecodeError.NotFound,
                $"Image '{path}' was not found: no file exists at {Path.GetFullPath(path)}, expected an image file.", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ImageDecodeException(path, ImageDecodeError.NotFound,
                $"Image '{path}' cannot be opened: {ex.Message} Expected a readable image file.", ex);
        }
    }

    private static ImageDecodeException TooManyBytes(string sourceName, long found, long limit, bool readSoFar) => new(
        sourceName,
        ImageDecodeError.TooLarge,
        $"Image '{sourceName}' is too large: {(readSoFar ? "reading it passed" : "the file holds")} {found} encoded bytes, expected at most {limit} (ImageLimits.MaxEncodedBytes).");

    private void CheckEncodedSize(long bytes, string sourceName, bool readSoFar = false)
    {
        long limit = Preprocessing.Limits.MaxEncodedBytes;
        if (bytes > limit)
        {
            throw TooManyBytes(sourceName, bytes, limit, readSoFar);
        }
    }

    private Tensor ToTensor(float[] values) =>
        torch.tensor(values, [Preprocessing.Channels, Preprocessing.Height, Preprocessing.Width]);
}
