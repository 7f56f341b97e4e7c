using OneShot.Classification;
using OneShot.Galleries;
using static OneShot.Tests.Classification.TestTensors;
using static TorchSharp.torch;

namespace OneShot.Tests.Galleries;

public sealed class GalleryTests
{
    [Fact]
    public void EnrollEmbeddings_SeveralLabels_ListsLabelsInEnrolmentOrderWithCounts()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var cats = Rows([1, 0, 0, 0], [0.9f, 0.1f, 0, 0]);
        using var dog = tensor(new float[] { 0, 1, 0, 0 });
        using var moreCats = Rows([0.8f, 0, 0.2f, 0]);

        gallery.EnrollEmbeddings("cat", cats);
        gallery.EnrollEmbeddings("dog", dog);
        gallery.EnrollEmbeddings("cat", moreCats);

        gallery.Labels.Should().Equal("cat", "dog");
        gallery.Counts.Should().Equal(new Dictionary<string, int> { ["cat"] = 3, ["dog"] = 1 });
        gallery.Count.Should().Be(4);
        using var catRows = gallery.GetEmbeddings("cat");
        Values(catRows).Should().Equal(1, 0, 0, 0, 0.9f, 0.1f, 0, 0, 0.8f, 0, 0.2f, 0);
    }

    [Fact]
    public void Remove_EnrolledLabel_RemovesItsExamplesAndChangesPredictions()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var a = Rows([0, 0, 0, 0]);
        using var b = Rows([1, 1, 1, 1]);
        using var query = Rows([0.2f, 0.2f, 0.2f, 0.2f]);
        gallery.EnrollEmbeddings("a", a);
        gallery.EnrollEmbeddings("b", b);
        gallery.ClassifyEmbeddings(query).Single().Label.Should().Be("a");

        bool removed = gallery.Remove("a");

        removed.Should().BeTrue();
        gallery.Labels.Should().Equal("b");
        gallery.Count.Should().Be(1);
        var prediction = gallery.ClassifyEmbeddings(query).Single();
        prediction.Label.Should().Be("b");
        prediction.Score.Should().BeApproximately(4 * 0.64, 1e-5);
    }

    [Fact]
    public void Remove_LabelNotEnrolled_ReturnsFalseAndKeepsEntries()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var a = Rows([0, 0, 0, 0]);
        gallery.EnrollEmbeddings("a", a);

        gallery.Remove("zebra").Should().BeFalse();
        gallery.Count.Should().Be(1);
    }

    [Fact]
    public void EnrollAfterClassify_RebuildsClassifierWithNewLabel()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var a = Rows([0, 0, 0, 0]);
        using var b = Rows([5, 5, 5, 5]);
        using var query = Rows([4, 4, 4, 4]);
        gallery.EnrollEmbeddings("a", a);
        gallery.ClassifyEmbeddings(query).Single().Label.Should().Be("a");

        gallery.EnrollEmbeddings("b", b);

        gallery.ClassifyEmbeddings(query).Single().TopK.Select(s => s.Label).Should().Equal("b", "a");
    }

    [Fact]
    public void Classify_ImageTensors_EmbedsWithTheEmbedderAndUsesOptions()
    {
        var embedder = new FlattenEmbedder();
        var options = new GalleryOptions { Classifier = new KNearestNeighborOptions { K = 1, TopK = 1, UnknownThreshold = 1.0 } };
        using var gallery = new Gallery(embedder, options);
        using var darkImages = zeros(2, 1, 2, 2);
        using var lightImage = ones(1, 2, 2);
        gallery.Enroll("dark", darkImages);
        gallery.Enroll("light", lightImage);
        using var query = full(new long[] { 1, 2, 2 }, 0.9f);
        using var batch = stack([query, full(new long[] { 1, 2, 2 }, 0.1f), full(new long[] { 1, 2, 2 }, 3f)]);

        var single = gallery.Classify(query);
        var several = gallery.ClassifyBatch(batch);

        single.Label.Should().Be("light");
        single.Score.Should().BeApproximately(4 * 0.01, 1e-5);
        single.TopK.Should().HaveCount(1);
        several.Select(p => p.Label).Should().Equal("light", "dark", Prediction.UnknownLabel);
        gallery.Counts.Should().Equal(new Dictionary<string, int> { ["dark"] = 2, ["light"] = 1 });
        embedder.EmbedCalls.Should().Be(4);
    }

    [Fact]
    public void EnrollAndClassify_ImagePaths_LoadThroughImageLoader()
    {
        string folder = TestPaths.NewTempFolder();
        string dark = Path.Combine(folder, "dark.png");
        string light = Path.Combine(folder, "light.png");
        WriteGrayPng(dark, 10);
        WriteGrayPng(light, 245);
        using var gallery = new Gallery(new FlattenEmbedder());

        gallery.Enroll("dark", dark);
        gallery.Enroll("light", [light]);

        gallery.Classify(light).Label.Should().Be("light");
        gallery.ClassifyBatch([dark, light]).Select(p => p.Label).Should().Equal("dark", "light");
    }

    [Fact]
    public void Classify_EmptyGallery_ThrowsInvalidOperationException()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var query = Rows([0, 0, 0, 0]);

        var act = () => gallery.ClassifyEmbeddings(query);

        act.Should().Throw<InvalidOperationException>().WithMessage("The gallery is empty*");
    }

    [Fact]
    public void EnrollEmbeddings_WrongLength_ThrowsArgumentExceptionNamingShapes()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var wrong = zeros(2, 5);

        var act = () => gallery.EnrollEmbeddings("a", wrong);

        act.Should().Throw<ArgumentException>().WithMessage("Expected embeddings of shape [4] or [N,4]; got [2,5].*");
        gallery.Count.Should().Be(0);
    }

    [Fact]
    public void EnrollEmbeddings_NonFiniteValue_ThrowsArgumentExceptionNamingPosition()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var bad = Rows([0, 0, 0, 0], [0, float.NaN, 0, 0]);

        var act = () => gallery.EnrollEmbeddings("a", bad);

        act.Should().Throw<ArgumentException>().WithMessage("Embedding 1 has a non-finite value (NaN) at position 1.*");
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \t")]
    [InlineData(Prediction.UnknownLabel)]
    public void EnrollEmbeddings_InvalidLabel_ThrowsArgumentException(string label)
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var row = Rows([0, 0, 0, 0]);

        var act = () => gallery.EnrollEmbeddings(label, row);

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("label");
    }

    [Fact]
    public void GetEmbeddings_LabelNotEnrolled_ThrowsKeyNotFoundListingLabels()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var row = Rows([0, 0, 0, 0]);
        gallery.EnrollEmbeddings("cat", row);

        var act = () => gallery.GetEmbeddings("dog");

        act.Should().Throw<KeyNotFoundException>().WithMessage("The label 'dog' is not enrolled in this gallery. Enrolled labels: 'cat'.");
    }

    private static void WriteGrayPng(string path, byte value)
    {
        using var bitmap = new SkiaSharp.SKBitmap(2, 2);
        bitmap.Erase(new SkiaSharp.SKColor(value, value, value));
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }
}
