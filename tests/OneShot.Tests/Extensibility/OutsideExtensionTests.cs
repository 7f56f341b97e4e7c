using OneShot.Classification;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Evaluation;
using OneShot.Galleries;
using OneShot.Serialization;
using OneShot.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Extensibility;

/// <summary>
/// A method and a backbone added from outside the library (public API only; each is an options record plus a codec)
/// work through <see cref="Gallery"/>, <see cref="EpisodeEvaluator"/> and <see cref="ModelFile"/>.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class OutsideExtensionTests : IDisposable
{
    private static readonly Lock RegisterOnce = new();
    private static bool _registered;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "oneshot-outside-" + Guid.NewGuid().ToString("N"));
    private readonly SingleThreadedTorch _threads = new();

    public OutsideExtensionTests()
    {
        lock (RegisterOnce)
        {
            if (!_registered)
            {
                ClassifierRegistry.Register(new ChebyshevPrototypeCodec());
                BackboneRegistry.Register(new PooledLinearCodec());
                _registered = true;
            }
        }

        Directory.CreateDirectory(_root);
    }

    public void Dispose()
    {
        _threads.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void OutsideMethod_ThroughGallery_ClassifiesSavesAndLoadsWithItsOptions()
    {
        using var embedder = new Galleries.FlattenEmbedder();
        var options = new ChebyshevPrototypeOptions { Scale = 2, TopK = 2 };
        using var gallery = new Gallery(embedder, new GalleryOptions { Classifier = options });
        gallery.EnrollEmbeddings("a", tensor(new float[] { 0, 0, 0, 0, 0, 0, 0, 2 }, [2, 4]));
        gallery.EnrollEmbeddings("b", tensor(new float[] { 5, 5, 5, 5 }, [1, 4]));

        using var query = tensor(new float[] { 1, 0, 0, 3 }, [1, 4]);
        var prediction = gallery.ClassifyEmbeddings(query).Single();

        // a's mean is (0,0,0,1): L∞ distance 2, scaled 4; b's is (5,5,5,5): 5, scaled 10.
        prediction.Label.Should().Be("a");
        prediction.Distance.Should().Be(4);
        prediction.TopK.Select(t => (t.Label, t.Score)).Should().Equal(("a", 4.0), ("b", 10.0));

        string path = Path.Combine(_root, "outside.gallery");
        gallery.Save(path);
        Gallery.ReadInfo(path).Classifier.Should().Be(options);
        using var loaded = Gallery.Load(path, embedder);
        loaded.Options.Classifier.Should().Be(options);
        loaded.ClassifyEmbeddings(query).Single().Should().Be(prediction);
    }

    [Fact]
    public void OutsideMethodAndBackbone_ThroughEpisodeEvaluator_SeparateEasyClasses()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10, size: 8, noise: 0.02);
        using var embedder = CreatePooledLinear(seed: 3);
        var protocol = new EpisodeEvaluationOptions { Episodes = 20, Query = 5 };

        var outside = new EpisodeEvaluator(protocol with { Classifier = new ChebyshevPrototypeOptions() }).Evaluate(embedder, data);
        var builtIn = new EpisodeEvaluator(protocol).Evaluate(embedder, data);

        outside.Classifier.Should().BeOfType<ChebyshevPrototypeOptions>();
        outside.Accuracy.Should().BeGreaterThan(0.6, "5-way chance is 0.2 and the classes are nearly noise-free");
        builtIn.Accuracy.Should().BeGreaterThan(0.6);
    }

    [Fact]
    public void OutsideBackbone_ThroughModelFile_SavesAndLoadsTheSameEmbedder()
    {
        using var embedder = CreatePooledLinear(seed: 5);
        string dir = Path.Combine(_root, "model");
        ModelFile.Save(embedder, dir);

        using var loaded = ModelFile.Load(dir, DeviceChoice.Cpu);
        using var images = rand(new long[] { 3, 1, 8, 8 }, generator: new Generator(9));
        using var expected = embedder.Embed(images);
        using var actual = loaded.Embed(images);

        loaded.Architecture.Should().Be(PooledLinearOptions.Name);
        loaded.Options.Backbone.Should().BeOfType<PooledLinearOptions>().Which.Dimension.Should().Be(6);
        loaded.GetFingerprint().Should().Be(embedder.GetFingerprint());
        actual.data<float>().ToArray().Should().Equal(expected.data<float>().ToArray());
    }

    private static Embedder CreatePooledLinear(int seed)
    {
        random.manual_seed(seed);
        return Embedder.Create(new EmbedderOptions
        {
            Backbone = new PooledLinearOptions { Dimension = 6 },
            Preprocessing = new ImagePreprocessing { Width = 8, Height = 8 },
            Device = DeviceChoice.Cpu,
        });
    }
}
