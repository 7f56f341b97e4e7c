using System.IO.Compression;
using OneShot.Data;
using SkiaSharp;

namespace OneShot.Tests.Data;

public sealed class EmojiDatasetTests : IDisposable
{
    private static readonly ImagePreprocessing Rgb4 = new() { Color = ColorMode.Rgb, Width = 4, Height = 4, Mean = [0f], Std = [1f] };

    private readonly string _root = TestPaths.NewTempFolder("oneshot-emoji");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Open_TwoArtists_ItemsFollowArtistOrderAndSplitFiltersClasses()
    {
        WriteTable(("1F600", "grinning", "face-smiling", "test"), ("1F34E", "apple", "food-fruit", "test"), ("1F52A", "knife", "dishware", "train"));
        WriteZip("google", new() { ["1F600"] = SKColors.Red, ["1F34E"] = SKColors.Lime, ["1F52A"] = SKColors.Blue });
        WriteZip("twitter", new() { ["1F600"] = SKColors.Blue, ["1F34E"] = new SKColor(0, 0, 0, 0), ["1F52A"] = SKColors.Red });

        using var dataset = EmojiDataset.Open(_root, new EmojiOptions { Split = EmojiSplit.Test, Preprocessing = Rgb4 });

        dataset.Classes.Should().Equal("1F600 grinning", "1F34E apple");
        dataset.Codes.Should().Equal("1F600", "1F34E");
        dataset.ClassGroups.Should().Equal("face-smiling", "food-fruit");
        dataset.ItemShape.Should().Be((3, 4, 4));
        dataset.CountOf(0).Should().Be(2);
        using var grinning = dataset.Load(0, [0, 1]);
        float[] g = grinning.data<float>().ToArray();
        (g[0], g[16], g[32]).Should().Be((1f, 0f, 0f), "item 0 is Google's red drawing");
        (g[48], g[64], g[80]).Should().Be((0f, 0f, 1f), "item 1 is Twitter's blue drawing");
        using var apple = dataset.Load(1, [1]);
        apple.data<float>().ToArray().Should().OnlyContain(v => v == 1f, "a transparent drawing is composited on white");
    }

    [Fact]
    public void Open_MissingEntry_ThrowsDatasetExceptionNamingZipAndClass()
    {
        WriteTable(("1F600", "grinning", "face-smiling", "test"));
        WriteZip("google", new() { ["1F600"] = SKColors.Red });
        WriteZip("twitter", []);

        var act = () => EmojiDataset.Open(_root, new EmojiOptions { Preprocessing = Rgb4 });

        act.Should().Throw<DatasetException>().WithMessage("*twitter-64.zip*twitter/1F600.png*grinning*");
    }

    [Fact]
    public void Open_NoTable_ThrowsDatasetExceptionNamingFile()
    {
        var act = () => EmojiDataset.Open(_root);

        act.Should().Throw<DatasetException>().Which.Path.Should().EndWith("classes.tsv");
    }

    [Fact]
    public void Open_SplitWithoutClasses_ThrowsDatasetException()
    {
        WriteTable(("1F600", "grinning", "face-smiling", "train"));

        var act = () => EmojiDataset.Open(_root, new EmojiOptions { Split = EmojiSplit.Val });

        act.Should().Throw<DatasetException>().WithMessage("*no class in split 'val'*");
    }

    [Fact]
    [Trait("Category", TestPaths.SharedDataTrait)]
    public void Open_SharedTestSplit_Has429ClassesDrawnByBothArtists()
    {
        string root = Path.Combine(TestPaths.SharedData, "emoji");

        using var dataset = EmojiDataset.Open(root, new EmojiOptions { Split = EmojiSplit.Test, Preprocessing = Rgb4 with { Width = 8, Height = 8 } });

        dataset.Classes.Should().HaveCount(429);
        dataset.ClassGroups.Distinct().Count(g => dataset.ClassGroups.Count(x => x == g) >= 20).Should().Be(9, "the README lists 9 test subcategories with at least 20 classes");
        Enumerable.Range(0, 429).Select(dataset.CountOf).Should().OnlyContain(n => n == 2);
    }

    private void WriteTable(params (string Code, string Name, string Subcategory, string Split)[] rows) =>
        File.WriteAllLines(
            Path.Combine(_root, "classes.tsv"),
            ["unified\tshort_name\tcategory\tsubcategory\tsplit", .. rows.Select(r => $"{r.Code}\t{r.Name}\tSmileys\t{r.Subcategory}\t{r.Split}")]);

    private void WriteZip(string artist, Dictionary<string, SKColor> drawings)
    {
        using var zip = ZipFile.Open(Path.Combine(_root, $"{artist}-64.zip"), ZipArchiveMode.Create);
        foreach (var (code, color) in drawings)
        {
            using var stream = zip.CreateEntry($"{artist}/{code}.png").Open();
            stream.Write(TestImages.Encode(SKEncodedImageFormat.Png, 8, 8, (_, _) => color));
        }
    }
}
