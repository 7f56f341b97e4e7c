using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;
using static TorchSharp.torch;

namespace OneShot.Data;

/// <summary>
/// A labelled image set in the IDX format of MNIST and Fashion-MNIST (an <c>idx3-ubyte</c> image file and an
/// <c>idx1-ubyte</c> label file, optionally gzip-compressed) as an <see cref="IClassDataset"/>: one class per label
/// value, items in file order. Images are preprocessed like image files (resize, colour, inversion, normalisation)
/// and held in memory.
/// </summary>
/// <remarks>
/// Fashion-MNIST: <c>/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz</c> with
/// <c>t10k-labels-idx1-ubyte.gz</c> (Debian package <c>dataset-fashion-mnist</c>), class names
/// <see cref="FashionMnistClassNames"/>. Its pictures are light objects on black; set
/// <see cref="ImagePreprocessing.Invert"/> for a model trained on dark-on-light images.
/// Reads are safe from many threads at once; <see cref="Dispose"/> is not.
/// </remarks>
public sealed class IdxDataset : IClassDataset, IDisposable
{
    private const int ImageMagic = 0x00000803;
    private const int LabelMagic = 0x00000801;
    private const int MaxClasses = 256;

    private readonly InMemoryClassDataset _items;

    private IdxDataset(InMemoryClassDataset items) => _items = items;

    /// <summary>Fashion-MNIST's ten class names, by label value.</summary>
    public static IReadOnlyList<string> FashionMnistClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <inheritdoc />
    public IReadOnlyList<string> Classes => _items.Classes;

    /// <inheritdoc />
    public (int Channels, int Height, int Width) ItemShape => _items.ItemShape;

    /// <summary>Opens an IDX image file and its label file.</summary>
    /// <param name="imagesPath">The <c>idx3-ubyte</c> images (<c>.gz</c> is decompressed).</param>
    /// <param name="labelsPath">The <c>idx1-ubyte</c> labels, one per image.</param>
    /// <param name="preprocessing">How each image becomes a model input (use the embedder's).</param>
    /// <param name="classNames">Names by label value; default the label value as text.</param>
    /// <param name="maxPerClass">Keep at most this many items per class (the first in file order). Default: all.</param>
    /// <param name="invert">Invert the pixels (255 - v) before preprocessing: Fashion-MNIST's light-on-black pictures become dark-on-light.</param>
    /// <exception cref="DatasetException">A file is missing, not IDX, truncated, or the counts disagree; the message names it.</exception>
    public static IdxDataset Open(string imagesPath, string labelsPath, ImagePreprocessing preprocessing, IReadOnlyList<string>? classNames = null, int? maxPerClass = null, bool invert = false)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        byte[] images = ReadAll(imagesPath);
        byte[] labels = ReadAll(labelsPath);
        if (images.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(images) != ImageMagic)
        {
            throw new DatasetException(imagesPath, $"'{imagesPath}' is not an IDX image file: expected the magic number 0x00000803 (unsigned bytes, 3 dimensions).");
        }

        if (labels.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(labels) != LabelMagic)
        {
            throw new DatasetException(labelsPath, $"'{labelsPath}' is not an IDX label file: expected the magic number 0x00000801 (unsigned bytes, 1 dimension).");
        }

        int count = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(12));
        int labelCount = BinaryPrimitives.ReadInt32BigEndian(labels.AsSpan(4));
        if (count < 1 || rows is < 1 or > 4096 || cols is < 1 or > 4096 || (long)count * rows * cols != images.Length - 16)
        {
            throw new DatasetException(imagesPath, $"'{imagesPath}' declares {count} images of {rows}x{cols} but holds {images.Length - 16} bytes of pixels.");
        }

        if (labelCount != count || labels.Length - 8 != count)
        {
            throw new DatasetException(labelsPath, $"'{labelsPath}' declares {labelCount} labels and holds {labels.Length - 8}; the image file has {count} images.");
        }

        int classCount = labels.AsSpan(8).ToArray().Max() + 1;
        if (classCount > MaxClasses || (classNames is not null && classNames.Count < classCount))
        {
            throw new DatasetException(labelsPath, $"'{labelsPath}' has label values up to {classCount - 1}; {(classNames is null ? $"at most {MaxClasses - 1}" : $"{classNames.Count} class names were given")}.");
        }

        // Which items to keep, class by class (the first maxPerClass of each in file order); then every kept picture is
        // preprocessed straight into its row of one tensor, so memory holds the dataset once (at 224x224 a picture is
        // 600 KB as model input: lists, a concatenation and a copy into the dataset cost four times that before).
        var perClass = Enumerable.Range(0, classCount).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < count; i++)
        {
            var bucket = perClass[labels[8 + i]];
            if (maxPerClass is not int max || bucket.Count < max)
            {
                bucket.Add(i);
            }
        }

        var present = Enumerable.Range(0, classCount).Where(c => perClass[c].Count > 0).ToArray();
        var names = present.Select(c => classNames?[c] ?? c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var counts = present.Select(c => perClass[c].Count).ToArray();
        var loader = new ImageLoader(preprocessing);
        var info = new SKImageInfo(cols, rows, SKColorType.Gray8, SKAlphaType.Opaque);
        var flat = empty([counts.Sum(), preprocessing.Channels, preprocessing.Height, preprocessing.Width], ScalarType.Float32);
        try
        {
            long row = 0;
            foreach (int i in present.SelectMany(c => perClass[c]))
            {
                using var bitmap = new SKBitmap(info);
                var pixels = bitmap.GetPixelSpan();
                images.AsSpan(16 + (i * rows * cols), rows * cols).CopyTo(pixels);
                if (invert)
                {
                    for (int k = 0; k < pixels.Length; k++)
                    {
                        pixels[k] = (byte)(255 - pixels[k]);
                    }
                }

                using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
                using var item = tensor(loader.LoadPixels(data.AsSpan(), $"{imagesPath}#{i}"), [preprocessing.Channels, preprocessing.Height, preprocessing.Width]);
                using var target = flat[row++];
                target.copy_(item);
            }

            return new IdxDataset(InMemoryClassDataset.FromOwnedFlat(flat, counts, names));
        }
        catch
        {
            flat.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public int CountOf(int classIndex) => _items.CountOf(classIndex);

    /// <inheritdoc />
    public Tensor Load(int classIndex, IReadOnlyList<int> items) => _items.Load(classIndex, items);

    /// <inheritdoc />
    public void Dispose() => _items.Dispose();

    private static byte[] ReadAll(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new DatasetException(path, $"'{path}' is missing: expected an IDX file (optionally .gz).");
        }

        using var file = File.OpenRead(path);
        using var source = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? (Stream)new GZipStream(file, CompressionMode.Decompress) : file;
        using var memory = new MemoryStream();
        try
        {
            source.CopyTo(memory);
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException(path, $"'{path}' is not valid gzip data: {e.Message}", e);
        }

        return memory.ToArray();
    }
}
