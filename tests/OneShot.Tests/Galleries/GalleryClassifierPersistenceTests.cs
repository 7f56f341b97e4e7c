using OneShot.Classification;
using OneShot.Galleries;
using static TorchSharp.torch;

namespace OneShot.Tests.Galleries;

/// <summary>Gallery files (format 3) keep the classifier and its options; the caller's options win when given.</summary>
public sealed class GalleryClassifierPersistenceTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-gallery-classifier");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Load_WithoutOptions_UsesTheSavedClassifierAndItsSettings()
    {
        using var embedder = new FlattenEmbedder();
        var knn = new KNearestNeighborOptions { K = 1, Weighting = NeighborWeighting.Uniform, Metric = DistanceMetric.Euclidean, TopK = 2, UnknownThreshold = 3 };
        string path = Path.Combine(_root, "knn.gallery");
        using (var gallery = new Gallery(embedder, new GalleryOptions { Classifier = knn }))
        {
            gallery.EnrollEmbeddings("a", tensor(new float[] { 0, 0, 0, 0, 4, 0, 0, 0 }, [2, 4]));
            gallery.EnrollEmbeddings("b", tensor(new float[] { 0, 3, 0, 0 }, [1, 4]));
            gallery.Save(path);
        }

        using var loaded = Gallery.Load(path, embedder);
        using var query = tensor(new float[] { 3, 0, 0, 0, 0, 10, 0, 0 }, [2, 4]);
        var predictions = loaded.ClassifyEmbeddings(query);

        Gallery.ReadInfo(path).Classifier.Should().Be(knn with { Temperature = knn.Temperature });
        loaded.Options.Classifier.Should().BeOfType<KNearestNeighborOptions>().Which.K.Should().Be(1);
        predictions[0].Label.Should().Be("a", "its nearest example (4,0,0,0) is 1 away; the 1-NN of the saved options decides");
        predictions[0].Distance.Should().Be(1);
        predictions[1].Label.Should().Be(Prediction.UnknownLabel, "the saved open-set threshold 3 rejects distance 7");
    }

    [Fact]
    public void Load_WithOptions_TheCallersClassifierWins()
    {
        using var embedder = new FlattenEmbedder();
        string path = Path.Combine(_root, "override.gallery");
        using (var gallery = new Gallery(embedder, new GalleryOptions { Classifier = new KNearestNeighborOptions { K = 1 } }))
        {
            gallery.EnrollEmbeddings("a", tensor(new float[] { 0, 0, 0, 0 }, [1, 4]));
            gallery.Save(path);
        }

        var mine = new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine };
        using var loaded = Gallery.Load(path, embedder, new GalleryOptions { Classifier = mine });

        loaded.Options.Classifier.Should().BeSameAs(mine);
    }

    [Fact]
    public void Save_ClassifierWithoutRegisteredCodec_ThrowsNamingItAndWritesNothing()
    {
        using var embedder = new FlattenEmbedder();
        using var gallery = new Gallery(embedder, new GalleryOptions { Classifier = new LocalOptions() });
        gallery.EnrollEmbeddings("a", tensor(new float[] { 0, 0, 0, 0 }, [1, 4]));
        string path = Path.Combine(_root, "local.gallery");

        var act = () => gallery.Save(path);

        act.Should().Throw<ArgumentException>().WithMessage("*LocalOptions cannot be stored*ClassifierRegistry.Register*");
        File.Exists(path).Should().BeFalse();
    }

    private sealed record LocalOptions : ClassifierOptions
    {
        public override IFewShotClassifier CreateClassifier() => new PrototypeClassifier();
    }
}
