using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Data;

/// <summary>
/// The Omniglot handwritten characters (Lake et al. 2015) as an <see cref="IClassDataset"/>: read from the official
/// archives (<c>images_background.zip</c>, <c>images_evaluation.zip</c>, or their extracted folders), resized from 105x105
/// with antialiasing, inverted so ink is 1 by default, and held in memory as one byte array, so sampling episodes never
/// decodes. Classes follow a Vinyals split (each rotation of a character its own class) or Lake's background/evaluation sets.
/// </summary>
/// <remarks>
/// Items are float values in [0, 1] (quantised to 1/255 in the cache), not normalised. A rotation class
/// <c>rot090</c> is its character turned 90 degrees counter-clockwise, as <c>torch.rot90(x, 1, [-2, -1])</c> and as
/// PIL's <c>Image.rotate(90)</c> in the ProtoNet reference. <see cref="Load(int, IReadOnlyList{int})"/> is safe from many threads.
/// </remarks>
public sealed class OmniglotDataset : IClassDataset
{
    private readonly byte[] _pixels;
    private readonly int[] _firstImage;
    private readonly int[] _imageCount;
    private readonly ImageOrientation[] _rotation;
    private readonly int _size;

    private OmniglotDataset(OmniglotOptions options, string root, string[] classes, byte[] pixels, int[] firstImage, int[] imageCount, int[] quarterTurns, int characters, TimeSpan loadTime)
    {
        Options = options;
        Root = root;
        Classes = classes;
        _pixels = pixels;
        _firstImage = firstImage;
        _imageCount = imageCount;
        _size = options.ImageSize;
        _rotation = quarterTurns.Select(k => RotationFor(k, _size)).ToArray();
        CharacterCount = characters;
        ImageCount = pixels.Length / (_size * _size);
        LoadTime = loadTime;
    }

    /// <summary>The options the dataset was loaded with.</summary>
    public OmniglotOptions Options { get; }

    /// <summary>The Omniglot root folder it was loaded from.</summary>
    public string Root { get; }

    /// <summary>The class names: <c>Alphabet/characterNN/rotDDD</c>, or <c>Alphabet/characterNN</c> for the plain background/evaluation sets.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>
    /// The alphabet of every class (the part of its name before the first <c>/</c>), for episodes within one alphabet:
    /// <see cref="OneShot.Training.PrototypicalTrainerOptions.ClassGroups"/> and
    /// <see cref="OneShot.Evaluation.EpisodeEvaluationOptions.ClassGroups"/>.
    /// </summary>
    public IReadOnlyList<string> ClassGroups => [.. Classes.Select(AlphabetOf)];

    /// <inheritdoc />
    public (int Channels, int Height, int Width) ItemShape => (1, _size, _size);

    /// <summary>The alphabet of an Omniglot class name <c>Alphabet/characterNN[/rotDDD]</c>: the part before the first <c>/</c>.</summary>
    /// <param name="className">A class name.</param>
    /// <returns>The alphabet name.</returns>
    public static string AlphabetOf(string className)
    {
        ArgumentNullException.ThrowIfNull(className);
        int slash = className.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? className : className[..slash];
    }

    /// <summary>The number of distinct characters behind the classes.</summary>
    public int CharacterCount { get; }

    /// <summary>The number of distinct images decoded and cached (rotations share their character's images).</summary>
    public int ImageCount { get; }

    /// <summary>The total number of items over all classes (a rotated image counts once per rotation class).</summary>
    public int ItemCount => _imageCount.Sum();

    /// <summary>How long reading and decoding took.</summary>
    public TimeSpan LoadTime { get; }

    /// <summary>
    /// Loads Omniglot from <paramref name="root"/>: a folder holding <c>images_background.zip</c> and
    /// <c>images_evaluation.zip</c> (or the extracted <c>images_background/</c>, <c>images_evaluation/</c> folders) and,
    /// for the Vinyals splits, <c>splits/vinyals/*.txt</c>.
    /// </summary>
    /// <exception cref="DatasetException">An archive, split list or listed character is missing, or a file is malformed.</exception>
    /// <exception cref="ImageDecodeException">An image cannot be decoded.</exception>
    public static OmniglotDataset Open(string root, OmniglotOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        options ??= new OmniglotOptions();
        var clock = Stopwatch.StartNew();
        (List<OmniglotClassSpec> specs, List<OmniglotSource> sources) = Plan(root, options);

        // Distinct characters in order of first use, each from the first set that holds it.
        var characterIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var characters = new List<(string Character, OmniglotSource Source)>();
        foreach (OmniglotClassSpec spec in specs)
        {
            if (characterIndex.ContainsKey(spec.Character))
            {
                continue;
            }

            OmniglotSource source = sources.FirstOrDefault(s => s.Contains(spec.Character)) ?? throw new DatasetException(
                root, $"Omniglot class '{spec.Name}' names character '{spec.Character}', which is in none of {string.Join(", ", sources.Select(s => s.Location))}; expected it in one of them.");
            characterIndex[spec.Character] = characters.Count;
            characters.Add((spec.Character, source));
        }

        byte[] pixels = Decode(characters, options, out int[] firstOfCharacter, out int[] countOfCharacter, cancellationToken);
        int[] first = specs.Select(s => firstOfCharacter[characterIndex[s.Character]]).ToArray();
        int[] counts = specs.Select(s => countOfCharacter[characterIndex[s.Character]]).ToArray();
        int[] turns = specs.Select(s => s.QuarterTurns).ToArray();
        return new OmniglotDataset(options, root, specs.Select(s => s.Name).ToArray(), pixels, first, counts, turns, characters.Count, clock.Elapsed);
    }

    /// <summary>
    /// The class names <see cref="Open"/> would give for <paramref name="options"/>, without decoding any image:
    /// the lines of a Vinyals split list, or the characters (and rotations) of a background/evaluation set.
    /// </summary>
    /// <exception cref="DatasetException">An archive or split list is missing or malformed.</exception>
    public static IReadOnlyList<string> ListClasses(string root, OmniglotOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        return Plan(root, options ?? new OmniglotOptions()).Specs.Select(s => s.Name).ToList();
    }

    /// <inheritdoc />
    public int CountOf(int classIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(classIndex, Classes.Count);
        return _imageCount[classIndex];
    }

    /// <inheritdoc />
    public Tensor Load(int classIndex, IReadOnlyList<int> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        int count = CountOf(classIndex);
        int plane = _size * _size;
        float[] values = new float[items.Count * plane];
        for (int k = 0; k < items.Count; k++)
        {
            int item = items[k];
            if ((uint)item >= (uint)count)
            {
                throw new ArgumentOutOfRangeException(nameof(items), item, $"Item {item} does not exist in class {classIndex} ('{Classes[classIndex]}'), which has {count} items.");
            }

            CopyItem(classIndex, item, values.AsSpan(k * plane, plane));
        }

        return torch.tensor(values, [items.Count, 1, _size, _size]);
    }

    /// <summary>Writes item <paramref name="item"/> of class <paramref name="classIndex"/> (rotated, values in [0, 1]) to <paramref name="destination"/>.</summary>
    internal void CopyItem(int classIndex, int item, Span<float> destination)
    {
        const float Scale = 1f / 255f;
        int plane = _size * _size;
        ReadOnlySpan<byte> source = _pixels.AsSpan((_firstImage[classIndex] + item) * plane, plane);
        ImageOrientation rotation = _rotation[classIndex];
        for (int y = 0; y < _size; y++)
        {
            for (int x = 0; x < _size; x++)
            {
                destination[(y * _size) + x] = source[rotation.StoredIndex(x, y, _size)] * Scale;
            }
        }
    }

    private static byte[] Decode(List<(string Character, OmniglotSource Source)> characters, OmniglotOptions options, out int[] first, out int[] count, CancellationToken cancellationToken)
    {
        first = new int[characters.Count];
        count = new int[characters.Count];
        var names = new List<string>();
        var bytes = new List<byte[]>();
        foreach (var group in characters.Select((c, i) => (c.Character, c.Source, Index: i)).GroupBy(c => c.Source))
        {
            var list = group.ToList();
            byte[][] read = group.Key.ReadImages(list.Select(c => c.Character).ToList(), cancellationToken);
            int offset = 0;
            foreach (var c in list)
            {
                IReadOnlyList<string> images = c.Source.ImagesOf(c.Character);
                first[c.Index] = bytes.Count;
                count[c.Index] = images.Count;
                for (int k = 0; k < images.Count; k++)
                {
                    names.Add(c.Source.Describe(images[k]));
                    bytes.Add(read[offset++]);
                }
            }
        }

        int size = options.ImageSize;
        var loader = new ImageLoader(new ImagePreprocessing { Width = size, Height = size, Invert = options.Invert });
        byte[] pixels = new byte[bytes.Count * size * size];
        ParallelDecode.For(bytes.Count, i =>
        {
            float[] values = loader.LoadUnnormalized(bytes[i], names[i]);
            Span<byte> target = pixels.AsSpan(i * size * size, size * size);
            for (int p = 0; p < values.Length; p++)
            {
                target[p] = (byte)MathF.Round(values[p] * 255f);
            }
        }, options.MaxDegreeOfParallelism, cancellationToken);
        return pixels;
    }

    private static (List<OmniglotClassSpec> Specs, List<OmniglotSource> Sources) Plan(string root, OmniglotOptions options)
    {
        if (!Directory.Exists(root))
        {
            throw new DatasetException(root, $"Omniglot folder '{root}' was not found; expected a folder holding images_background.zip and images_evaluation.zip (or their extracted folders).");
        }

        if (options.Split is OmniglotSplit.Background or OmniglotSplit.Evaluation)
        {
            string setName = options.Split == OmniglotSplit.Background ? "images_background" : "images_evaluation";
            OmniglotSource source = OpenRequired(root, setName);
            List<OmniglotClassSpec> specs = options.IncludeRotations
                ? source.Characters.SelectMany(OmniglotClassSpec.AllRotations).ToList()
                : source.Characters.Select(c => new OmniglotClassSpec(c, c, 0)).ToList();
            return (specs, [source]);
        }

        string splitsFolder = options.SplitsDirectory ?? Path.Combine(root, "splits", "vinyals");
        List<OmniglotClassSpec> listed = OmniglotClassSpec.ReadSplitFile(Path.Combine(splitsFolder, SplitFileName(options.Split)));
        return (listed, [OpenRequired(root, "images_background"), OpenRequired(root, "images_evaluation")]);
    }

    private static OmniglotSource OpenRequired(string root, string setName) =>
        OmniglotSource.TryOpen(root, setName) ?? throw new DatasetException(
            Path.Combine(root, setName + ".zip"),
            $"Omniglot set '{setName}' was not found in '{root}': expected {setName}.zip or an extracted {setName}/ folder (see OmniglotDownloader).");

    private static string SplitFileName(OmniglotSplit split) => split switch
    {
        OmniglotSplit.Train => "train.txt",
        OmniglotSplit.Val => "val.txt",
        OmniglotSplit.Test => "test.txt",
        OmniglotSplit.TrainVal => "trainval.txt",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Not a Vinyals split."),
    };

    /// <summary>The pixel mapping that turns a square image <paramref name="quarterTurns"/> x 90 degrees counter-clockwise.</summary>
    private static ImageOrientation RotationFor(int quarterTurns, int size) => ImageOrientation.For(
        quarterTurns switch
        {
            1 => SkiaSharp.SKEncodedOrigin.LeftBottom,  // displayed turned 90 degrees counter-clockwise
            2 => SkiaSharp.SKEncodedOrigin.BottomRight, // 180 degrees
            3 => SkiaSharp.SKEncodedOrigin.RightTop,    // 270 counter-clockwise = 90 clockwise
            _ => SkiaSharp.SKEncodedOrigin.TopLeft,
        },
        size,
        size);
}
