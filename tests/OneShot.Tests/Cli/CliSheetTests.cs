using System.Globalization;
using System.Text.Json;
using OneShot.Cli;
using OneShot.QuickStart;
using SkiaSharp;

namespace OneShot.Tests.Cli;

/// <summary><c>classify --sheet</c> and <c>evaluate --sheet</c> end to end on generated glyph class folders.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class CliSheetTests : IDisposable
{
    private static readonly string Model = Path.Combine(TestPaths.RepoRoot, "models", "omniglot-conv4");
    private readonly string _root = TestPaths.NewTempFolder("oneshot-cli-sheet");
    private readonly string _support;
    private readonly string _query;
    private readonly string _gallery;

    public CliSheetTests()
    {
        (_support, _query) = GlyphTask.WriteTask(_root, classes: 4, queries: 4, seed: 5);
        _gallery = Path.Combine(_root, "glyphs.gallery");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void ClassifySheet_RightWrongAndNoTruth_FramesGreenRedGreyAndKeepsStdout()
    {
        CliRunner.Invoke("enroll", _gallery, _support, "--model", Model).Code.Should().Be(0);

        // Enrolled images classify at distance 0: glyph-01's own example is right in glyph-01/, wrong in glyph-02/,
        // and has no truth in misc/ (not a gallery label).
        string inputs = Path.Combine(_root, "inputs");
        Copy(Path.Combine(_support, "glyph-01", "0.png"), Path.Combine(inputs, "glyph-01", "a.png"));
        Copy(Path.Combine(_support, "glyph-01", "0.png"), Path.Combine(inputs, "glyph-02", "b.png"));
        Copy(Path.Combine(_support, "glyph-03", "0.png"), Path.Combine(inputs, "misc", "c.png"));
        string sheet = Path.Combine(_root, "sheet.png");

        var plain = CliRunner.Invoke("classify", _gallery, inputs, "--csv");
        var (code, output, error) = CliRunner.Invoke("classify", _gallery, inputs, "--csv", "--sheet", sheet);

        code.Should().Be(0, error);
        output.Should().Be(plain.Output);
        output.Split('\n').Skip(1).Take(3).Select(l => l.Split(',')[1]).Should().Equal("glyph-01", "glyph-01", "glyph-03");
        error.Should().Contain($"sheet: drew 3 of 3 images to {sheet}");

        using var png = SKBitmap.Decode(sheet);
        var tile = ContactSheetTile.FromFile(sheet, ContactSheet.Neutral, "label", "p", "folder/", "file");
        var layout = ContactSheet.Layout(["1", "2", "3"], [(ContactSheet.Right, "")], [new ContactSheetSection("", [new ContactSheetRow(null, [tile, tile, tile])])]);

        // 3 heading lines, a legend, one row of 3 tiles with 4 caption lines: 16 + 60 + 20 + 14 + 20 + (84 + 8 + 3 + 60 + 8) + 16.
        (png.Width, png.Height).Should().Be((layout.Width, layout.Height));
        (png.Width, png.Height).Should().Be((692, 309));
        ContactSheetTests.FrameOf(png, layout.Picture(0, 0, 0)).Should().Be(ContactSheet.Right);
        ContactSheetTests.FrameOf(png, layout.Picture(0, 0, 1)).Should().Be(ContactSheet.Wrong);
        ContactSheetTests.FrameOf(png, layout.Picture(0, 0, 2)).Should().Be(ContactSheet.Neutral);
        Directory.GetFiles(_root).Select(Path.GetFileName).Should().BeEquivalentTo(["glyphs.gallery", "sheet.png"]);
    }

    [Fact]
    public void ClassifySheet_FolderDoesNotExist_ExitsOneNamingItBeforeClassifying()
    {
        CliRunner.Invoke("enroll", _gallery, _support, "--model", Model).Code.Should().Be(0);
        string missing = Path.Combine(_root, "no-such-folder");

        var (code, output, error) = CliRunner.Invoke("classify", _gallery, _query, "--sheet", Path.Combine(missing, "sheet.png"));

        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain($"--sheet: the folder '{missing}'").And.Contain("does not exist");
        output.Should().BeEmpty();
        Directory.Exists(missing).Should().BeFalse();
    }

    [Fact]
    public void EvaluateSheet_GlyphFolders_DrawsTheEvaluatedEpisodeWithItsAccuracy()
    {
        string sheet = Path.Combine(_root, "eval.png");

        var (code, output, error) = CliRunner.Invoke(
            "evaluate", "--model", Model, "--data", _query, "--way", "3", "--shot", "1", "--query", "2", "--episodes", "1", "--seed", "4", "--json", "--sheet", sheet);

        code.Should().Be(0, error);
        using var json = JsonDocument.Parse(output);
        double accuracy = json.RootElement.GetProperty("accuracy").GetDouble();
        error.Should().Contain(string.Create(CultureInfo.InvariantCulture, $"sheet: drew 1 of 1 episodes (accuracy {accuracy:0.0000}) to {sheet}"));

        // 3 heading lines, a legend, one episode: a support row and 2 query rows of 3 tiles with 2 caption lines, row labels.
        using var png = SKBitmap.Decode(sheet);
        (png.Width, png.Height).Should().Be((32 + 70 + 660, 16 + 60 + 20 + 14 + 20 + (3 * (84 + 8 + 3 + 30 + 8)) + 16));
        var tile = ContactSheetTile.FromFile(sheet, ContactSheet.Neutral, "a", "b");
        var layout = ContactSheet.Layout(["1", "2", "3"], [(ContactSheet.Right, "")], [new ContactSheetSection("", [.. Enumerable.Range(0, 3).Select(_ => new ContactSheetRow("r", [tile, tile, tile]))])]);
        Enumerable.Range(0, 3).Select(c => ContactSheetTests.FrameOf(png, layout.Picture(0, 0, c))).Should().OnlyContain(f => f == ContactSheet.Neutral);
        var queryFrames = Enumerable.Range(1, 2).SelectMany(r => Enumerable.Range(0, 3).Select(c => ContactSheetTests.FrameOf(png, layout.Picture(0, r, c)))).ToList();
        queryFrames.Should().OnlyContain(f => f == ContactSheet.Right || f == ContactSheet.Wrong);
        queryFrames.Count(f => f == ContactSheet.Right).Should().Be((int)Math.Round(accuracy * 6), "all 6 queries of the episode are drawn");
    }

    [Fact]
    public void EvaluateSheet_NotPng_ExitsOneBeforeLoadingTheModel()
    {
        var (code, _, error) = CliRunner.Invoke("evaluate", "--model", Path.Combine(_root, "no-model"), "--data", _query, "--sheet", Path.Combine(_root, "eval.jpg"));

        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain($"'{Path.Combine(_root, "eval.jpg")}' does not end in .png");
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to);
    }
}
