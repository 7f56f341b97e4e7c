using System.IO.Compression;
using OneShot.Data;

namespace OneShot.Tests.Data;

/// <summary>OmniglotDataset on a tiny generated Omniglot layout: rotation direction, zip vs folder, and error messages.</summary>
public sealed class OmniglotDatasetLayoutTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-omniglot");

    public OmniglotDatasetLayoutTests()
    {
        // Foo/character01: 3 drawings, white with a black 2x2 block at the top-left corner (28x28, so no resize).
        for (int d = 1; d <= 3; d++)
        {
            Write($"images_background/Foo/character01/0001_{d:00}.png", TestImages.GrayPng(28, 28, (x, y) => x < 2 && y < 2 ? (byte)0 : (byte)255));
        }

        Write("images_background/Foo/character02/0002_01.png", TestImages.GrayPng(28, 28, (_, _) => 255));
        Write("images_evaluation/Bar/character01/0003_01.png", TestImages.GrayPng(28, 28, (_, _) => 0));
        Write("images_evaluation/Bar/character01/0003_02.png", TestImages.GrayPng(28, 28, (_, _) => 0));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Open_RotationClasses_TurnTopLeftBlockCounterClockwise()
    {
        WriteSplit("Foo/character01/rot000", "Foo/character01/rot090", "Foo/character01/rot180", "Foo/character01/rot270", "Bar/character01/rot000");

        OmniglotDataset dataset = OmniglotDataset.Open(_root, new OmniglotOptions { Split = OmniglotSplit.Train });

        dataset.Classes.Should().HaveCount(5);
        dataset.CharacterCount.Should().Be(2);
        dataset.ImageCount.Should().Be(5);
        dataset.CountOf(4).Should().Be(2, "Bar/character01 comes from the evaluation set");
        // Inverted: the black block is ink, 1. Counter-clockwise: top-left -> bottom-left -> bottom-right -> top-right.
        (int X, int Y)[] expectedCorner = [(0, 0), (0, 27), (27, 27), (27, 0)];
        for (int k = 0; k < 4; k++)
        {
            using var image = dataset.Load(k, [2]);
            float[] v = image.data<float>().ToArray();
            v.Sum().Should().Be(4f, "the block has 4 ink pixels");
            (int x, int y) = expectedCorner[k];
            v[(y * 28) + x].Should().Be(1f, $"rotation {k * 90} puts the block at ({x},{y})");
        }
    }

    [Fact]
    public void Open_ZipInsteadOfFolder_GivesTheSameImages()
    {
        OmniglotDataset fromFolder = OmniglotDataset.Open(_root, new OmniglotOptions { Split = OmniglotSplit.Background, Invert = false });
        string zipRoot = TestPaths.NewTempFolder("oneshot-omniglot-zip");
        ZipFile.CreateFromDirectory(Path.Combine(_root, "images_background"), Path.Combine(zipRoot, "images_background.zip"), CompressionLevel.Fastest, includeBaseDirectory: true);

        OmniglotDataset fromZip = OmniglotDataset.Open(zipRoot, new OmniglotOptions { Split = OmniglotSplit.Background, Invert = false });

        fromZip.Classes.Should().Equal("Foo/character01", "Foo/character02").And.Equal(fromFolder.Classes);
        using var a = fromZip.Load(0, [0, 1, 2]);
        using var b = fromFolder.Load(0, [0, 1, 2]);
        a.data<float>().ToArray().Should().Equal(b.data<float>().ToArray());
        a.data<float>()[0].Should().Be(0f, "not inverted: the black block stays 0");
        Directory.Delete(zipRoot, recursive: true);
    }

    [Fact]
    public void Open_BackgroundWithRotations_HasFourClassesPerCharacter()
    {
        OmniglotDataset dataset = OmniglotDataset.Open(_root, new OmniglotOptions { Split = OmniglotSplit.Background, IncludeRotations = true });

        dataset.Classes.Should().Equal(
            "Foo/character01/rot000", "Foo/character01/rot090", "Foo/character01/rot180", "Foo/character01/rot270",
            "Foo/character02/rot000", "Foo/character02/rot090", "Foo/character02/rot180", "Foo/character02/rot270");
        dataset.ImageCount.Should().Be(4);
        dataset.ItemCount.Should().Be(16);
    }

    [Fact]
    public void Open_SplitLineWithUnknownRotation_ThrowsNamingTheLine()
    {
        WriteSplit("Foo/character01/rot000", "Foo/character01/rot045");

        var act = () => OmniglotDataset.Open(_root);

        act.Should().Throw<DatasetException>().WithMessage("*train.txt' line 2 is 'Foo/character01/rot045'*expected*rotDDD*");
    }

    [Fact]
    public void Open_SplitNamingMissingCharacter_ThrowsNamingTheClass()
    {
        WriteSplit("Foo/character01/rot000", "Baz/character07/rot090");

        var act = () => OmniglotDataset.Open(_root);

        act.Should().Throw<DatasetException>().WithMessage("*'Baz/character07/rot090'*'Baz/character07'*in none of*");
    }

    [Fact]
    public void Open_MissingArchive_ThrowsNamingTheExpectedFiles()
    {
        string empty = TestPaths.NewTempFolder();

        var act = () => OmniglotDataset.Open(empty, new OmniglotOptions { Split = OmniglotSplit.Evaluation });

        act.Should().Throw<DatasetException>().WithMessage($"*'images_evaluation' was not found in '{empty}'*images_evaluation.zip*");
        Directory.Delete(empty);
    }

    [Fact]
    public void Load_ItemOutOfRange_ThrowsArgumentOutOfRange()
    {
        OmniglotDataset dataset = OmniglotDataset.Open(_root, new OmniglotOptions { Split = OmniglotSplit.Background });

        var act = () => dataset.Load(1, [1]);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Item 1*'Foo/character02'*1 items*");
    }

    private void Write(string relative, byte[] data)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, data);
    }

    private void WriteSplit(params string[] lines)
    {
        string path = Path.Combine(_root, "splits", "vinyals", "train.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, lines);
    }
}
