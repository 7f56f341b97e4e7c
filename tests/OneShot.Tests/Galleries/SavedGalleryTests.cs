using OneShot.Classification;
using OneShot.Galleries;
using static TorchSharp.torch;

namespace OneShot.Tests.Galleries;

/// <summary>
/// <see cref="SavedGallery"/>: a gallery file read and checked once, its info first, then opened with the embedder
/// the info chose (what the CLI and the service do with a gallery's recorded model and views).
/// </summary>
public sealed class SavedGalleryTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-saved-gallery");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void ReadThenOpen_ReadsTheFileOnce_AndGivesWhatLoadGives()
    {
        using var embedder = new FlattenEmbedder();
        string path = SaveSmallGallery(embedder, "g.gallery");
        using var loaded = Gallery.Load(path, embedder);

        var saved = SavedGallery.Read(path);
        File.Move(path, path + ".moved"); // nothing below may read the file again

        saved.Path.Should().Be(path);
        saved.Info.Counts.Should().Equal(new KeyValuePair<string, int>("a", 2), new KeyValuePair<string, int>("b", 1));
        saved.Info.Properties.Should().Contain("views", "shifts8");
        saved.Info.Classifier.Should().BeOfType<KNearestNeighborOptions>().Which.K.Should().Be(1);
        using var opened = saved.Open(embedder);
        using var query = tensor(new float[] { 3, 0, 0, 0, 0, 2, 0, 0 }, [2, 4]);
        var fromOpen = opened.ClassifyEmbeddings(query);
        var fromLoad = loaded.ClassifyEmbeddings(query);

        opened.Counts.Should().Equal(loaded.Counts);
        opened.Properties.Should().Equal(loaded.Properties);
        opened.Options.Classifier.Should().Be(loaded.Options.Classifier);
        fromOpen.Select(p => (p.Label, p.Distance)).Should().Equal(fromLoad.Select(p => (p.Label, p.Distance)));
        fromOpen.Select(p => p.Label).Should().Equal("a", "b");
        fromOpen[0].Distance.Should().Be(1, "1-NN: (3,0,0,0) is 1 from the enrolled (4,0,0,0)");
    }

    [Fact]
    public void Open_Twice_GivesIndependentGalleries()
    {
        using var embedder = new FlattenEmbedder();
        var saved = SavedGallery.Read(SaveSmallGallery(embedder, "twice.gallery"));

        using var first = saved.Open(embedder);
        using var second = saved.Open(embedder);
        first.Remove("a").Should().BeTrue();
        first.EnrollEmbeddings("c", tensor(new float[] { 9, 9, 9, 9 }, [1, 4]));

        second.Counts.Should().Equal(new Dictionary<string, int> { ["a"] = 2, ["b"] = 1 });
        first.Counts.Should().Equal(new Dictionary<string, int> { ["b"] = 1, ["c"] = 1 });
        second.GetEmbeddingArrays("a")[1].Should().Equal(4, 0, 0, 0);
        using var third = saved.Open(embedder);
        third.GetEmbeddingArrays("a")[1].Should().Equal(4, 0, 0, 0);
    }

    [Fact]
    public void Open_WithAnotherEmbedder_ThrowsNamingTheFile()
    {
        using var embedder = new FlattenEmbedder();
        string path = SaveSmallGallery(embedder, "mismatch.gallery");
        using var retrained = new FlattenEmbedder("retrained-weights");

        var open = () => SavedGallery.Read(path).Open(retrained);

        open.Should().Throw<EmbedderMismatchException>().WithMessage($"*{path}*");
    }

    [Fact]
    public void Info_ClassifierOfAnUnregisteredMethod_Throws_ButOpenWithOptionsWorks()
    {
        using var embedder = new FlattenEmbedder();
        var fingerprint = embedder.GetFingerprint();
        string path = Path.Combine(_root, "outside.gallery");
        GalleryFile.Save(path, new GalleryContent(
            fingerprint,
            4,
            ["a"],
            [0],
            [[1, 0, 0, 0]],
            new SortedDictionary<string, string>(StringComparer.Ordinal),
            """{"method":"someone-elses"}"""));

        var saved = SavedGallery.Read(path);
        var info = () => saved.Info;
        var openWithSaved = () => saved.Open(embedder);

        info.Should().Throw<GalleryFormatException>().WithMessage($"*'{path}' holds a classifier that cannot be read*someone-elses*");
        openWithSaved.Should().Throw<GalleryFormatException>().WithMessage("*holds a classifier that cannot be read*");
        using var opened = saved.Open(embedder, new GalleryOptions { Classifier = new PrototypeClassifierOptions() });
        opened.Counts.Should().Equal(new Dictionary<string, int> { ["a"] = 1 });
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        var read = () => SavedGallery.Read(Path.Combine(_root, "absent.gallery"));

        read.Should().Throw<FileNotFoundException>();
    }

    private string SaveSmallGallery(FlattenEmbedder embedder, string name)
    {
        string path = Path.Combine(_root, name);
        using var gallery = new Gallery(embedder, new GalleryOptions { Classifier = new KNearestNeighborOptions { K = 1 } });
        gallery.EnrollEmbeddings("a", tensor(new float[] { 0, 0, 0, 0, 4, 0, 0, 0 }, [2, 4]));
        gallery.EnrollEmbeddings("b", tensor(new float[] { 0, 3, 0, 0 }, [1, 4]));
        gallery.SetProperty("views", "shifts8");
        gallery.Save(path);
        return path;
    }
}
