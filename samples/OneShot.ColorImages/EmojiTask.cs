using System.IO.Compression;

namespace OneShot.ColorImages;

/// <summary>
/// The two-artist emoji task from <c>shared/data/emoji</c>: for every class of the test split, the Google drawing is
/// the support image and the Twitter drawing the query, written as PNG files to a temporary folder.
/// </summary>
internal static class EmojiTask
{
    /// <summary>Finds <c>shared/data/emoji</c> beside the checkout (searched upwards from the working folder), or null.</summary>
    public static string? FindData()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", "emoji");
            if (File.Exists(Path.Combine(candidate, "classes.tsv")))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Extracts the test split: one (code, name, subcategory, support path, query path) per class.</summary>
    public static List<(string Code, string Name, string Subcategory, string Support, string Query)> Extract(string data, string folder)
    {
        var names = File.ReadLines(Path.Combine(data, "classes.tsv")).Skip(1)
            .Select(l => l.Split('\t'))
            .ToDictionary(f => f[0], f => (Name: f[1], Subcategory: f[3]), StringComparer.Ordinal);
        var codes = File.ReadLines(Path.Combine(data, "splits", "test.txt")).Where(l => l.Length > 0).ToList();
        Directory.CreateDirectory(Path.Combine(folder, "google"));
        Directory.CreateDirectory(Path.Combine(folder, "twitter"));
        foreach (string artist in new[] { "google", "twitter" })
        {
            using var zip = ZipFile.OpenRead(Path.Combine(data, $"{artist}-64.zip"));
            foreach (string code in codes)
            {
                zip.GetEntry($"{artist}/{code}.png")!.ExtractToFile(Path.Combine(folder, artist, $"{code}.png"), overwrite: true);
            }
        }

        return codes.Select(c => (c, names[c].Name, names[c].Subcategory, Path.Combine(folder, "google", $"{c}.png"), Path.Combine(folder, "twitter", $"{c}.png"))).ToList();
    }
}
