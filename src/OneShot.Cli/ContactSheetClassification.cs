using System.Globalization;
using OneShot.Classification;
using SkiaSharp;

namespace OneShot.Cli;

/// <summary>
/// The contact sheet of <c>oneshot classify --sheet</c>: one tile per classified image (the first <see cref="MaxTiles"/>),
/// drawn from the file, captioned with the predicted label, its probability, folder and file name, framed by correctness when
/// the image's folder is named like a gallery label.
/// </summary>
internal static class ContactSheetClassification
{
    /// <summary>The most tiles drawn.</summary>
    public const int MaxTiles = 60;

    /// <summary>Tiles per row.</summary>
    public const int Columns = 10;

    /// <summary>Draws the sheet for <paramref name="results"/> to <paramref name="path"/>.</summary>
    /// <returns>The number of tiles drawn.</returns>
    public static int Save(string path, string galleryPath, IReadOnlyCollection<string> labels, IReadOnlyList<(string File, Prediction Prediction)> results)
    {
        var known = new HashSet<string>(labels, StringComparer.Ordinal);
        var frames = results.Select(r => Frame(r.File, r.Prediction, known)).ToList();
        var tiles = results.Take(MaxTiles).Select((r, i) => Tile(r.File, r.Prediction, frames[i])).ToList();
        var rows = tiles.Chunk(Columns).Select(chunk => new ContactSheetRow(null, chunk)).ToList();

        var ci = CultureInfo.InvariantCulture;
        string[] heading =
        [
            string.Format(ci, "oneshot classify: {0} images against the gallery '{1}' ({2} labels)", results.Count, Path.GetFileName(galleryPath), known.Count),
            tiles.Count < results.Count
                ? string.Format(ci, "Drawn: the first {0} of {1} images. Caption: predicted label, probability, folder, file.", tiles.Count, results.Count)
                : string.Format(ci, "Drawn: all {0} images. Caption: predicted label, probability, folder, file.", tiles.Count),
            string.Format(
                ci,
                "A folder named like a gallery label is the truth. All images: {0} right, {1} wrong, {2} unknown, {3} without a truth.",
                frames.Count(f => f == ContactSheet.Right),
                frames.Count(f => f == ContactSheet.Wrong),
                frames.Count(f => f == ContactSheet.Unknown),
                frames.Count(f => f == ContactSheet.Neutral)),
        ];
        (SKColor, string)[] legend =
        [
            (ContactSheet.Right, "right"),
            (ContactSheet.Wrong, "wrong"),
            (ContactSheet.Unknown, "unknown (beyond --threshold)"),
            (ContactSheet.Neutral, "no truth (folder is not a label)"),
        ];
        string title = string.Format(ci, "Images 1-{0}, in the order of the output", tiles.Count);
        ContactSheet.Save(path, heading, legend, [new ContactSheetSection(title, rows)]);
        return tiles.Count;
    }

    /// <summary>
    /// The frame of a prediction: orange when unknown; else green or red when the image's folder is a gallery label
    /// (the truth), grey when it is not.
    /// </summary>
    internal static SKColor Frame(string file, Prediction prediction, IReadOnlySet<string> labels)
    {
        if (prediction.IsUnknown)
        {
            return ContactSheet.Unknown;
        }

        string? folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file)));
        return folder is null || !labels.Contains(folder) ? ContactSheet.Neutral
            : folder == prediction.Label ? ContactSheet.Right
            : ContactSheet.Wrong;
    }

    private static ContactSheetTile Tile(string file, Prediction p, SKColor frame)
    {
        string probability = p.IsUnknown
            ? string.Create(CultureInfo.InvariantCulture, $"{p.TopK[0].Label}? {p.Probability:0.00}")
            : string.Create(CultureInfo.InvariantCulture, $"p {p.Probability:0.00}");
        string full = Path.GetFullPath(file);
        return ContactSheetTile.FromFile(file, frame, p.Label, probability, $"{Path.GetFileName(Path.GetDirectoryName(full))}/", Path.GetFileName(full));
    }
}
