using OneShot.Data;
using SkiaSharp;

namespace OneShot.Tests.Data;

public sealed class FolderDatasetTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-folder");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Open_ClassFolders_SortsOrdinallyAndSkipsHiddenFoldersAndOtherFiles()
    {
        WriteGray("b/2.png", 0);
        WriteGray("b/10.png", 0);
        File.WriteAllText(Path.Combine(_root, "b", "notes.txt"), "not an image");
        WriteGray("a/x.PNG", 0);
        WriteGray("B/y.png", 0);
        WriteGray(".thumbnails/z.png", 0);

        FolderDataset dataset = FolderDataset.Open(_root);

        dataset.Classes.Should().Equal("B", "a", "b");
        Enumerable.Range(0, 3).Select(dataset.CountOf).Should().Equal(1, 1, 2);
        dataset.ItemCount.Should().Be(4);
        Path.GetFileName(dataset.PathOf(2, 0)).Should().Be("10.png", "file names sort ordinally");
        Path.GetFileName(dataset.PathOf(2, 1)).Should().Be("2.png");
        dataset.ItemShape.Should().Be((1, 28, 28));
    }

    [Fact]
    public void Load_Items_ReturnsPreprocessedImagesInRequestedOrder()
    {
        WriteGray("only/0.png", 0);
        WriteGray("only/1.png", 51);
        WriteGray("only/2.png", 255);
        var options = new FolderDatasetOptions { Preprocessing = new ImagePreprocessing { Width = 4, Height = 4, Mean = [0.5f], Std = [0.5f] } };
        FolderDataset dataset = FolderDataset.Open(_root, options);

        using var batch = dataset.Load(0, [2, 0, 1]);

        batch.shape.Should().Equal(3, 1, 4, 4);
        float[] v = batch.data<float>().ToArray();
        v[0].Should().Be(1f, "(1 - 0.5) / 0.5");
        v[16].Should().Be(-1f, "(0 - 0.5) / 0.5");
        v[32].Should().BeApproximately(-0.6f, 1e-6f, "(0.2 - 0.5) / 0.5");
    }

    [Fact]
    public void Load_RgbPreprocessing_GivesThreeChannels()
    {
        File.WriteAllBytes(Directory.CreateDirectory(Path.Combine(_root, "red")).FullName + "/r.bmp", TestImages.Bmp(2, 2, (_, _) => new SKColor(255, 0, 0)));
        var options = new FolderDatasetOptions { Preprocessing = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 2, Height = 2 } };

        FolderDataset dataset = FolderDataset.Open(_root, options);
        using var image = dataset.Load(0, [0]);

        dataset.ItemShape.Should().Be((3, 2, 2));
        image.data<float>().ToArray().Should().Equal(1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    [Fact]
    public void Load_WithCache_DecodesEachFileOnce()
    {
        WriteGray("c/img.png", 0);
        FolderDataset cached = FolderDataset.Open(_root, new FolderDatasetOptions { CacheImages = true });
        FolderDataset uncached = FolderDataset.Open(_root);
        using (cached.Load(0, [0]))
        using (uncached.Load(0, [0]))
        {
        }

        WriteGray("c/img.png", 255);
        using var fromCache = cached.Load(0, [0]);
        using var fromFile = uncached.Load(0, [0]);

        fromCache.data<float>()[0].Should().Be(0f, "the cached values of the first decode are reused");
        fromFile.data<float>()[0].Should().Be(1f, "without a cache the file is decoded again");
    }

    [Fact]
    public void Open_ClassFolderWithoutImages_ThrowsNamingTheFolder()
    {
        WriteGray("good/1.png", 0);
        Directory.CreateDirectory(Path.Combine(_root, "empty"));
        File.WriteAllText(Path.Combine(_root, "empty", "readme.md"), "no images here");

        var act = () => FolderDataset.Open(_root);

        var ex = act.Should().Throw<DatasetException>().Which;
        ex.Path.Should().Be(Path.Combine(_root, "empty"));
        ex.Message.Should().Contain("has no image files").And.Contain(".png");
    }

    [Fact]
    public void Open_RootWithoutClassFolders_Throws()
    {
        WriteGray("loose.png", 0);

        var act = () => FolderDataset.Open(_root);

        act.Should().Throw<DatasetException>().WithMessage($"*'{_root}' has no class sub-folders*");
    }

    [Fact]
    public void Open_MissingRoot_Throws()
    {
        string missing = Path.Combine(_root, "nope");

        var act = () => FolderDataset.Open(missing);

        act.Should().Throw<DatasetException>().Which.Path.Should().Be(missing);
    }

    [Fact]
    public void Load_CorruptFile_ThrowsImageDecodeExceptionNamingTheFile()
    {
        WriteGray("k/good.png", 0);
        string bad = Path.Combine(_root, "k", "zbad.png");
        File.WriteAllBytes(bad, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        FolderDataset dataset = FolderDataset.Open(_root);

        var act = () => dataset.Load(0, [0, 1]);

        var ex = act.Should().Throw<ImageDecodeException>().Which;
        ex.SourceName.Should().Be(bad);
        ex.Message.Should().Contain(bad);
    }

    private void WriteGray(string relative, byte level)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, TestImages.GrayPng(8, 8, (_, _) => level));
    }
}
