using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Data;

/// <summary>
/// A user's image collection as an <see cref="IClassDataset"/>: one sub-folder of the root per class (classes sorted
/// ordinally by folder name, hidden folders skipped), the image files of each folder its items (sorted ordinally by
/// file name; files with other extensions skipped), decoded with <see cref="ImageLoader"/> per the options' preprocessing.
/// </summary>
/// <remarks>The file list is read once, when the dataset is opened. <see cref="Load"/> is safe from many threads.</remarks>
public sealed class FolderDataset : IClassDataset
{
    private readonly string[][] _files;
    private readonly int[] _firstItem;
    private readonly float[]?[]? _cache;
    private readonly ImageLoader _loader;

    private FolderDataset(string root, FolderDatasetOptions options, string[] classes, string[][] files)
    {
        Root = root;
        Options = options;
        Classes = classes;
        _files = files;
        _loader = new ImageLoader(options.Preprocessing);
        _firstItem = new int[files.Length];
        for (int c = 1; c < files.Length; c++)
        {
            _firstItem[c] = _firstItem[c - 1] + files[c - 1].Length;
        }

        ItemCount = files.Sum(f => f.Length);
        _cache = options.CacheImages ? new float[]?[ItemCount] : null;
    }

    /// <summary>The root folder whose sub-folders are the classes.</summary>
    public string Root { get; }

    /// <summary>The options the dataset was opened with.</summary>
    public FolderDatasetOptions Options { get; }

    /// <summary>The class names: the sub-folder names, sorted ordinally.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <inheritdoc />
    public (int Channels, int Height, int Width) ItemShape =>
        (Options.Preprocessing.Channels, Options.Preprocessing.Height, Options.Preprocessing.Width);

    /// <summary>The number of images over all classes.</summary>
    public int ItemCount { get; }

    /// <summary>Opens the class folders under <paramref name="root"/>.</summary>
    /// <exception cref="DatasetException">The root is missing, has no class sub-folders, or a class folder has no image files.</exception>
    public static FolderDataset Open(string root, FolderDatasetOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        options ??= new FolderDatasetOptions();
        if (!Directory.Exists(root))
        {
            throw new DatasetException(root, $"Dataset folder '{root}' was not found; expected a folder with one sub-folder of images per class.");
        }

        string[] classFolders = Directory.GetDirectories(root)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (classFolders.Length == 0)
        {
            throw new DatasetException(root, $"Dataset folder '{root}' has no class sub-folders; expected one sub-folder of images per class (e.g. {Path.Combine(root, "cat")}).");
        }

        var extensions = new HashSet<string>(options.Extensions, StringComparer.OrdinalIgnoreCase);
        string[][] files = new string[classFolders.Length][];
        for (int c = 0; c < classFolders.Length; c++)
        {
            files[c] = Directory.GetFiles(classFolders[c])
                .Where(f => extensions.Contains(Path.GetExtension(f)))
                .Order(StringComparer.Ordinal)
                .ToArray();
            if (files[c].Length == 0)
            {
                throw new DatasetException(classFolders[c],
                    $"Class folder '{classFolders[c]}' has no image files; expected at least one file with extension {string.Join(", ", options.Extensions)}.");
            }
        }

        return new FolderDataset(root, options, classFolders.Select(Path.GetFileName).ToArray()!, files);
    }

    /// <inheritdoc />
    public int CountOf(int classIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(classIndex, Classes.Count);
        return _files[classIndex].Length;
    }

    /// <summary>The file of item <paramref name="item"/> of class <paramref name="classIndex"/>.</summary>
    public string PathOf(int classIndex, int item)
    {
        int count = CountOf(classIndex);
        if ((uint)item >= (uint)count)
        {
            throw new ArgumentOutOfRangeException(nameof(item), item, $"Item {item} does not exist in class {classIndex} ('{Classes[classIndex]}'), which has {count} items.");
        }

        return _files[classIndex][item];
    }

    /// <inheritdoc />
    /// <exception cref="ImageDecodeException">An image file cannot be decoded.</exception>
    public Tensor Load(int classIndex, IReadOnlyList<int> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        string[] paths = items.Select(i => PathOf(classIndex, i)).ToArray();
        int size = _loader.ValuesPerImage;
        float[] values = new float[paths.Length * size];
        ParallelDecode.For(paths.Length, k => Pixels(classIndex, items[k], paths[k]).CopyTo(values.AsSpan(k * size, size)), Options.MaxDegreeOfParallelism);
        var (channels, height, width) = ItemShape;
        return torch.tensor(values, [paths.Length, channels, height, width]);
    }

    private float[] Pixels(int classIndex, int item, string path)
    {
        if (_cache is null)
        {
            return _loader.LoadPixels(path);
        }

        int index = _firstItem[classIndex] + item;
        float[]? cached = Volatile.Read(ref _cache[index]);
        if (cached is null)
        {
            cached = _loader.LoadPixels(path);
            Volatile.Write(ref _cache[index], cached); // a race decodes twice and stores equal values: harmless
        }

        return cached;
    }
}
