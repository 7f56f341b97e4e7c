using OneShot.Classification;
using OneShot.Cli;
using SkiaSharp;

namespace OneShot.Tests.Cli;

public sealed class ContactSheetTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-sheet");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Render_TwoRowsOfPixelTiles_HasTheLayoutSizeFramesAndPixels()
    {
        var black = ContactSheetTile.FromPixels(new float[4 * 4], 1, 4, 4, ContactSheet.Right, "a");
        var gray = ContactSheetTile.FromPixels(Enumerable.Repeat(0.5f, 4 * 4).ToArray(), 1, 4, 4, ContactSheet.Wrong, "b");
        var red = ContactSheetTile.FromPixels([.. Enumerable.Repeat(1f, 4), .. new float[8]], 3, 2, 2, ContactSheet.Neutral, "c");
        var section = new ContactSheetSection("title", [new ContactSheetRow(null, [black, gray, red]), new ContactSheetRow(null, [gray, black])]);

        using var bitmap = ContactSheet.Render(["heading", "second line"], [(ContactSheet.Right, "right")], [section]);
        var layout = ContactSheet.Layout(["heading", "second line"], [(ContactSheet.Right, "right")], [section]);

        // Width: margins 2x16 + the minimum content width 660 (3 cells of 136 are narrower).
        // Height: 16 margin + 2 heading lines x 20 + legend 20 + gap 14 + title 20 + 2 rows x (84 + 8 + 3 + 1 x 15 + 8) + 16 margin.
        (bitmap.Width, bitmap.Height).Should().Be((692, 362));
        (layout.Width, layout.Height).Should().Be((692, 362));
        layout.Picture(0, 1, 1).Should().Be(new SKRectI(16 + 136 + 26, 110 + 118 + 4, 16 + 136 + 26 + 84, 110 + 118 + 4 + 84));
        FrameOf(bitmap, layout.Picture(0, 0, 0)).Should().Be(ContactSheet.Right);
        FrameOf(bitmap, layout.Picture(0, 0, 1)).Should().Be(ContactSheet.Wrong);
        FrameOf(bitmap, layout.Picture(0, 0, 2)).Should().Be(ContactSheet.Neutral);
        FrameOf(bitmap, layout.Picture(0, 1, 0)).Should().Be(ContactSheet.Wrong);
        Centre(bitmap, layout.Picture(0, 0, 0)).Should().Be(new SKColor(0, 0, 0));
        Centre(bitmap, layout.Picture(0, 0, 1)).Should().Be(new SKColor(128, 128, 128));
        Centre(bitmap, layout.Picture(0, 0, 2)).Should().Be(new SKColor(255, 0, 0));
        bitmap.GetPixel(2, 2).Should().Be(SKColors.White);
    }

    [Fact]
    public void Layout_RowLabels_AddTheGutterBeforeTheCells()
    {
        var tile = ContactSheetTile.FromPixels(new float[1], 1, 1, 1, ContactSheet.Neutral, "x", "y");
        var rows = Enumerable.Range(0, 6).Select(i => new ContactSheetRow(i == 0 ? "support" : null, [.. Enumerable.Repeat(tile, 6)])).ToList();

        var layout = ContactSheet.Layout([], [], [new ContactSheetSection("s", rows)]);

        layout.Gutter.Should().Be(70);
        layout.Width.Should().Be(32 + 70 + (6 * 136));
        layout.CellHeight.Should().Be(84 + 8 + 3 + 30 + 8);
        layout.Height.Should().Be(16 + 14 + 20 + (6 * 133) + 16);
        layout.Picture(0, 5, 5).Left.Should().Be(16 + 70 + (5 * 136) + 26);
    }

    [Fact]
    public void Save_WritesAPngAndLeavesNoTemporaryFile()
    {
        string path = Path.Combine(_root, "sheet.png");
        var tile = ContactSheetTile.FromPixels(new float[1], 1, 1, 1, ContactSheet.Unknown, "x");

        ContactSheet.Save(path, ["h"], [], [new ContactSheetSection("s", [new ContactSheetRow(null, [tile])])]);

        using var decoded = SKBitmap.Decode(path);
        (decoded.Width, decoded.Height).Should().Be((692, 16 + 20 + 14 + 20 + 118 + 16));
        Directory.GetFiles(_root).Should().Equal(path);
    }

    [Fact]
    public void Render_UnreadableFileTile_DrawsAGreyBoxInsteadOfThrowing()
    {
        string file = Path.Combine(_root, "bad.png");
        File.WriteAllBytes(file, [1, 2, 3]);
        var section = new ContactSheetSection("s", [new ContactSheetRow(null, [ContactSheetTile.FromFile(file, ContactSheet.Wrong, "x")])]);

        using var bitmap = ContactSheet.Render([], [], [section]);

        var picture = ContactSheet.Layout([], [], [section]).Picture(0, 0, 0);
        bitmap.GetPixel(picture.Left + 2, picture.Top + 2).Should().Be(new SKColor(0xE6, 0xE6, 0xE6));
        FrameOf(bitmap, picture).Should().Be(ContactSheet.Wrong);
    }

    [Fact]
    public void CheckPath_MissingFolderFolderOrNotPng_ThrowsNamingThePath()
    {
        string missing = Path.Combine(_root, "nope", "s.png");

        FluentActions.Invoking(() => ContactSheet.CheckPath(missing)).Should().Throw<ArgumentException>()
            .WithMessage($"--sheet: the folder '{Path.Combine(_root, "nope")}' of '{missing}' does not exist*");
        FluentActions.Invoking(() => ContactSheet.CheckPath(_root)).Should().Throw<ArgumentException>().WithMessage($"--sheet: '{_root}' is a folder*");
        FluentActions.Invoking(() => ContactSheet.CheckPath(Path.Combine(_root, "s.jpg"))).Should().Throw<ArgumentException>().WithMessage("*does not end in .png*");
        FluentActions.Invoking(() => ContactSheet.CheckPath(Path.Combine(_root, "s.PNG"))).Should().NotThrow();
    }

    [Fact]
    public void Fit_LongText_IsCutWithAnEllipsisToTheWidth()
    {
        using var font = new SKFont(SKTypeface.Default, 12);
        string text = "Old Church Slavonic (Cyrillic)";

        string fitted = ContactSheet.Fit(text, font, 100, keepEnd: false);
        string end = ContactSheet.Fit(text, font, 100, keepEnd: true);

        fitted.Should().EndWith("…").And.Subject.TrimEnd('…').Should().NotBeEmpty();
        text.Should().StartWith(fitted.TrimEnd('…'));
        font.MeasureText(fitted).Should().BeLessThanOrEqualTo(100);
        end.Should().StartWith("…");
        text.Should().EndWith(end.TrimStart('…'));
        ContactSheet.Fit("short", font, 100, keepEnd: false).Should().Be("short");
    }

    [Fact]
    public void ClassificationSave_MoreThanSixtyImages_DrawsSixtyInRowsOfTen()
    {
        string file = Path.Combine(_root, "a", "x.png");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        using (var one = new SKBitmap(2, 2))
        {
            one.Erase(SKColors.Black);
            using var data = one.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(file, data.ToArray());
        }

        var prediction = new Prediction("a", 0, ScoreKind.Distance, 1, false, [new LabelScore("a", 0, 1)]);
        string path = Path.Combine(_root, "many.png");

        int drawn = ContactSheetClassification.Save(path, "g.gallery", ["a"], [.. Enumerable.Repeat((file, prediction), 61)]);

        drawn.Should().Be(60);
        using var png = SKBitmap.Decode(path);
        (png.Width, png.Height).Should().Be((32 + (10 * 136), 16 + 60 + 20 + 14 + 20 + (6 * (84 + 8 + 3 + 60 + 8)) + 16));
        var picture = new ContactSheetLayout(3, true, false, 4, [Enumerable.Repeat(10, 6).ToArray()]).Picture(0, 5, 9);
        FrameOf(png, picture).Should().Be(ContactSheet.Right);
        png.GetPixel(picture.MidX, picture.MidY).Should().Be(SKColors.Black);
    }

    [Theory]
    [InlineData("a", "a", false, "right")]
    [InlineData("b", "a", false, "wrong")]
    [InlineData("misc", "a", false, "neutral")]
    [InlineData("a", "a", true, "unknown")]
    public void Frame_FolderNamedLikeALabel_IsTheTruth(string folder, string predicted, bool unknown, string expected)
    {
        var prediction = new Prediction(unknown ? Prediction.UnknownLabel : predicted, 1, ScoreKind.Distance, 0.9, unknown, [new LabelScore(predicted, 1, 0.9)]);

        var frame = ContactSheetClassification.Frame(Path.Combine(_root, folder, "x.png"), prediction, new HashSet<string> { "a", "b" });

        frame.Should().Be(expected switch
        {
            "right" => ContactSheet.Right,
            "wrong" => ContactSheet.Wrong,
            "unknown" => ContactSheet.Unknown,
            _ => ContactSheet.Neutral,
        });
    }

    [Theory]
    [InlineData("Keble/character08/rot180", "Keble", "character08 rot180", "character08 rot180")]
    [InlineData("Old_Church_Slavonic_(Cyrillic)/character21", "Old Church Slavonic (Cyrillic)", "character21", "character21")]
    [InlineData("glyph-01", "glyph-01", "", "glyph-01")]
    public void NameLines_OmniglotAndFolderNames_SplitAtTheFirstSlash(string name, string first, string second, string shortName)
    {
        ContactSheetEvaluation.NameLines(name).Should().Be((first, second));
        ContactSheetEvaluation.ShortName(name).Should().Be(shortName);
    }

    [Fact]
    public void Letter_PastZ_UsesNumbers()
    {
        new[] { 0, 1, 25, 26 }.Select(ContactSheetEvaluation.Letter).Should().Equal("A", "B", "Z", "#27");
    }

    /// <summary>The colour in the middle of the left frame bar of <paramref name="picture"/>.</summary>
    internal static SKColor FrameOf(SKBitmap bitmap, SKRectI picture) => bitmap.GetPixel(picture.Left - 2, picture.MidY);

    private static SKColor Centre(SKBitmap bitmap, SKRectI picture) => bitmap.GetPixel(picture.MidX, picture.MidY);
}
