using System.IO.Compression;

namespace OneShot.Data;

/// <summary>
/// One Omniglot image set (<c>images_background</c> or <c>images_evaluation</c>), read from the extracted folder
/// when present, else from the official zip: an index of characters (<c>Alphabet/characterNN</c>) to their PNG files.
/// </summary>
internal sealed class OmniglotSource
{
    private readonly string? _zipPath;
    private readonly string? _folder;
    private readonly Dictionary<string, List<string>> _characters;

    private OmniglotSource(string setName, string? zipPath, string? folder, Dictionary<string, List<string>> characters, List<string> order)
    {
        SetName = setName;
        _zipPath = zipPath;
        _folder = folder;
        _characters = characters;
        Characters = order;
    }

    /// <summary><c>images_background</c> or <c>images_evaluation</c>.</summary>
    public string SetName { get; }

    /// <summary>Where the images are read from (folder or zip), for messages.</summary>
    public string Location => _folder ?? _zipPath!;

    /// <summary>The characters, <c>Alphabet/characterNN</c>, sorted ordinally.</summary>
    public IReadOnlyList<string> Characters { get; }

    /// <summary>Opens <paramref name="setName"/> under <paramref name="root"/>, or returns null when neither folder nor zip exists.</summary>
    public static OmniglotSource? TryOpen(string root, string setName)
    {
        string folder = Path.Combine(root, setName);
        if (Directory.Exists(folder))
        {
            return FromFolder(setName, folder);
        }

        string zip = Path.Combine(root, setName + ".zip");
        return File.Exists(zip) ? FromZip(setName, zip) : null;
    }

    /// <summary>Whether <paramref name="character"/> (<c>Alphabet/characterNN</c>) is in this set.</summary>
    public bool Contains(string character) => _characters.ContainsKey(character);

    /// <summary>The image names of <paramref name="character"/>, sorted ordinally (drawers 01..20).</summary>
    public IReadOnlyList<string> ImagesOf(string character) => _characters[character];

    /// <summary>Reads the encoded bytes of every image of <paramref name="characters"/>, in order.</summary>
    public byte[][] ReadImages(IReadOnlyList<string> characters, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        foreach (string character in characters)
        {
            names.AddRange(_characters[character]);
        }

        byte[][] result = new byte[names.Count][];
        if (_folder is not null)
        {
            ParallelDecode.For(names.Count, i => result[i] = File.ReadAllBytes(Path.Combine(_folder, names[i])), cancellationToken: cancellationToken);
            return result;
        }

        using ZipArchive archive = ZipFile.OpenRead(_zipPath!);
        var entries = archive.Entries.ToDictionary(e => e.FullName, StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ZipArchiveEntry entry = entries[$"{SetName}/{names[i]}"];
            byte[] bytes = new byte[entry.Length];
            using Stream stream = entry.Open();
            stream.ReadExactly(bytes);
            result[i] = bytes;
        }

        return result;
    }

    /// <summary>A name for image <paramref name="name"/> in error messages.</summary>
    public string Describe(string name) => _folder is not null ? Path.Combine(_folder, name) : $"{_zipPath}!{SetName}/{name}";

    private static OmniglotSource FromFolder(string setName, string folder)
    {
        var names = Directory.EnumerateFiles(folder, "*.png", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'));
        return Build(setName, null, folder, names);
    }

    private static OmniglotSource FromZip(string setName, string zip)
    {
        try
        {
            using ZipArchive archive = ZipFile.OpenRead(zip);
            string prefix = setName + "/";
            var names = archive.Entries
                .Where(e => e.FullName.StartsWith(prefix, StringComparison.Ordinal) && e.FullName.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                .Select(e => e.FullName[prefix.Length..])
                .ToList();
            return Build(setName, zip, null, names);
        }
        catch (InvalidDataException ex)
        {
            throw new DatasetException(zip, $"Omniglot archive '{zip}' is not a readable zip file ({ex.Message}); expected the official {setName}.zip.", ex);
        }
    }

    private static OmniglotSource Build(string setName, string? zip, string? folder, IEnumerable<string> names)
    {
        var characters = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            string[] parts = name.Split('/');
            if (parts.Length != 3)
            {
                continue; // not Alphabet/characterNN/file.png
            }

            string key = parts[0] + "/" + parts[1];
            if (!characters.TryGetValue(key, out List<string>? list))
            {
                characters[key] = list = [];
            }

            list.Add(name);
        }

        if (characters.Count == 0)
        {
            string where = folder ?? zip!;
            throw new DatasetException(where,
                $"Omniglot set '{where}' holds no images: expected PNG files at {setName}/<Alphabet>/<characterNN>/<file>.png.");
        }

        foreach (List<string> list in characters.Values)
        {
            list.Sort(StringComparer.Ordinal);
        }

        var order = characters.Keys.Order(StringComparer.Ordinal).ToList();
        return new OmniglotSource(setName, zip, folder, characters, order);
    }
}
