using System.IO.Compression;
using static TorchSharp.torch;

namespace OneShot.Data;

/// <summary>
/// The same emoji drawn by different artists (the shared set: Google's Noto and Twitter's Twemoji, 64x64 RGBA) as an
/// <see cref="IClassDataset"/>: one class per emoji, one item per artist (item <c>i</c> is drawn by
/// <see cref="EmojiOptions.Artists"/>[<c>i</c>]). The one-shot task enrolls one artist's drawing and classifies the
/// other's: a concept recognised across styles from one example, in colour.
/// </summary>
/// <remarks>
/// The folder holds <c>classes.tsv</c> (unified code, short name, category, subcategory, split), <c>splits/</c> and
/// one <c>&lt;artist&gt;-64.zip</c> per artist with <c>&lt;artist&gt;/&lt;unified&gt;.png</c>. Images are decoded once,
/// preprocessed and held in memory. <see cref="ClassGroups"/> gives each class's subcategory, for the harder
/// within-subcategory episodes. Reads are safe from many threads at once; <see cref="Dispose"/> is not.
/// </remarks>
public sealed class EmojiDataset : IClassDataset, IDisposable
{
    private readonly InMemoryClassDataset _items;

    private EmojiDataset(InMemoryClassDataset items, string root, EmojiOptions options, string[] codes, string[] groups)
    {
        _items = items;
        Root = root;
        Options = options;
        Codes = codes;
        ClassGroups = groups;
    }

    /// <summary>The folder the set was read from.</summary>
    public string Root { get; }

    /// <summary>The options it was read with.</summary>
    public EmojiOptions Options { get; }

    /// <inheritdoc />
    /// <remarks>Names are <c>&lt;unified&gt; &lt;short_name&gt;</c>, for example <c>1F600 grinning</c>.</remarks>
    public IReadOnlyList<string> Classes => _items.Classes;

    /// <summary>The unified code of each class, for example <c>1F600</c>.</summary>
    public IReadOnlyList<string> Codes { get; }

    /// <summary>The subcategory of each class (for example <c>face-smiling</c>), indexed like <see cref="Classes"/>.</summary>
    public IReadOnlyList<string> ClassGroups { get; }

    /// <inheritdoc />
    public (int Channels, int Height, int Width) ItemShape => _items.ItemShape;

    /// <summary>Opens the set in <paramref name="root"/>.</summary>
    /// <exception cref="DatasetException">A file is missing or malformed; the message names it.</exception>
    /// <exception cref="ImageDecodeException">A drawing does not decode.</exception>
    public static EmojiDataset Open(string root, EmojiOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        options ??= new EmojiOptions();
        string table = Path.Combine(root, "classes.tsv");
        if (!File.Exists(table))
        {
            throw new DatasetException(table, $"'{table}' is missing: an emoji folder holds classes.tsv, splits/ and <artist>-64.zip files.");
        }

        var rows = ReadTable(table, options.Split);
        if (options.MaxClasses is int max)
        {
            rows = rows.Take(Math.Max(1, max)).ToList();
        }

        var loader = new ImageLoader(options.Preprocessing);
        int itemSize = loader.ValuesPerImage;
        var pixels = rows.Select(_ => new float[itemSize * options.Artists.Count]).ToArray();
        for (int a = 0; a < options.Artists.Count; a++)
        {
            string artist = options.Artists[a];
            string zip = Path.Combine(root, $"{artist}-64.zip");
            if (!File.Exists(zip))
            {
                throw new DatasetException(zip, $"'{zip}' is missing: the drawings of artist '{artist}' are expected there.");
            }

            using var archive = ZipFile.OpenRead(zip);
            for (int c = 0; c < rows.Count; c++)
            {
                string entryName = $"{artist}/{rows[c].Code}.png";
                var entry = archive.GetEntry(entryName)
                    ?? throw new DatasetException(zip, $"'{zip}' has no entry '{entryName}' for class {rows[c].Code} ({rows[c].Name}).");
                using var stream = entry.Open();
                loader.LoadPixels(stream, $"{zip}!{entryName}").CopyTo(pixels[c], a * itemSize);
            }
        }

        var shape = (options.Preprocessing.Channels, options.Preprocessing.Height, options.Preprocessing.Width);
        var items = InMemoryClassDataset.FromArrays(pixels, shape, [.. rows.Select(r => $"{r.Code} {r.Name}")]);
        return new EmojiDataset(items, root, options, [.. rows.Select(r => r.Code)], [.. rows.Select(r => r.Subcategory)]);
    }

    /// <inheritdoc />
    public int CountOf(int classIndex) => _items.CountOf(classIndex);

    /// <inheritdoc />
    public Tensor Load(int classIndex, IReadOnlyList<int> items) => _items.Load(classIndex, items);

    /// <inheritdoc />
    public void Dispose() => _items.Dispose();

    private static List<(string Code, string Name, string Subcategory)> ReadTable(string path, EmojiSplit split)
    {
        string wanted = split.ToString().ToLowerInvariant();
        var rows = new List<(string, string, string)>();
        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0 || !lines[0].StartsWith("unified\tshort_name\tcategory\tsubcategory\tsplit", StringComparison.Ordinal))
        {
            throw new DatasetException(path, $"'{path}' does not start with the header 'unified short_name category subcategory split' (tab-separated).");
        }

        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            string[] f = lines[i].Split('\t');
            if (f.Length != 5 || f[0].Length == 0 || !f[0].All(ch => char.IsAsciiHexDigit(ch) || ch == '-'))
            {
                throw new DatasetException(path, $"'{path}' line {i + 1}: expected 5 tab-separated fields starting with a unified code; found '{lines[i]}'.");
            }

            if (split == EmojiSplit.All || f[4] == wanted)
            {
                rows.Add((f[0], f[1], f[3]));
            }
        }

        if (rows.Count == 0)
        {
            throw new DatasetException(path, $"'{path}' lists no class in split '{wanted}'.");
        }

        return rows;
    }
}
