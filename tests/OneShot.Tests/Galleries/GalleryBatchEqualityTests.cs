using OneShot.Classification;
using OneShot.Embeddings;
using OneShot.Galleries;
using OneShot.Serialization;
using OneShot.Tests.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Galleries;

/// <summary>
/// Issue 12 finding 7: a query gets bit for bit the same prediction (every distance of every class) alone or in a batch
/// of any size, on the real Omniglot Conv4 model. Before the fix a batch moved distances by up to 4e-4 (the matrix
/// product of many rows takes another BLAS kernel) and a lone image's embedding by 3e-6 (libtorch's batch-of-one path).
/// </summary>
public sealed class GalleryBatchEqualityTests : IDisposable
{
    private const int Classes = 20;
    private readonly string _folder = TestPaths.NewTempFolder("oneshot-batch-equality");
    private readonly Embedder _embedder = ModelFile.Load(Path.Combine(TestPaths.RepoRoot, "models", "omniglot-conv4"), DeviceChoice.Cpu);

    public void Dispose()
    {
        _embedder.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    public static TheoryData<string> ClassifierNames => new() { "prototype", "knn", "cosine" };

    [Theory]
    [MemberData(nameof(ClassifierNames))]
    public void ClassifyBatch_Files_EqualsClassifyOfEachFileBitForBit(string classifier)
    {
        using var gallery = NewGallery(classifier);
        // 70 files: past the gallery's pipeline threshold (64), and 64 + 6 forward passes inside the embedder.
        string[] paths = WriteImages("query", 70, seed: 100);

        var batch = gallery.ClassifyBatch(paths);
        var small = gallery.ClassifyBatch(paths[..5]);

        for (int i = 0; i < paths.Length; i++)
        {
            var single = gallery.Classify(paths[i]);
            single.TopK.Should().HaveCount(Classes);
            batch[i].Should().Be(single, $"file {i} in a batch of 70");
            Scores(batch[i]).Should().Equal(Scores(single));
            if (i < 5)
            {
                small[i].Should().Be(single, $"file {i} in a batch of 5");
            }
        }
    }

    [Fact]
    public void ClassifyBatch_Tensors_EqualsClassifyOfEachImageBitForBit()
    {
        using var gallery = NewGallery("prototype");
        using var images = rand(65, 1, 28, 28, generator: new Generator(9));

        var batch = gallery.ClassifyBatch(images);

        for (int i = 0; i < 65; i++)
        {
            using var image = images[i];
            var single = gallery.Classify(image);
            batch[i].Should().Be(single, $"image {i} of 65");
            Scores(batch[i]).Should().Equal(Scores(single));
        }
    }

    [Fact]
    public void Embed_AnyBatchSize_GivesEachImageTheSameEmbeddingBitForBit()
    {
        using var images = rand(130, 1, 28, 28, generator: new Generator(3));
        using var all = _embedder.Embed(images);

        foreach (int n in new[] { 1, 2, 3, 17, 64, 65 })
        {
            foreach (int start in new[] { 0, 29 })
            {
                using var part = _embedder.Embed(images.narrow(0, start, n));
                using var expected = all.narrow(0, start, n);
                part.data<float>().ToArray().Should().Equal(expected.contiguous().data<float>().ToArray(), $"{n} images from {start}");
            }
        }
    }

    private static double[] Scores(Prediction p) => p.TopK.OrderBy(s => s.Label, StringComparer.Ordinal).Select(s => s.Score).ToArray();

    private Gallery NewGallery(string classifier)
    {
        ClassifierOptions options = classifier switch
        {
            "prototype" => new PrototypeClassifierOptions { TopK = Classes },
            "knn" => new KNearestNeighborOptions { K = 3, TopK = Classes },
            _ => new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine, TopK = Classes },
        };
        var gallery = new Gallery(_embedder, new GalleryOptions { Classifier = options });
        string[] support = WriteImages("support", Classes * 2, seed: 1);
        for (int c = 0; c < Classes; c++)
        {
            gallery.Enroll($"class{c:D2}", support[(2 * c)..((2 * c) + 2)]);
        }

        return gallery;
    }

    /// <summary>Writes <paramref name="count"/> 28x28 PNGs of a few random strokes (Omniglot-like: dark ink on white).</summary>
    private string[] WriteImages(string prefix, int count, int seed)
    {
        var random = new Random(seed);
        var paths = new string[count];
        for (int i = 0; i < count; i++)
        {
            int x0 = random.Next(4, 24), y0 = random.Next(4, 24), x1 = random.Next(4, 24), y1 = random.Next(4, 24);
            byte[] png = TestImages.GrayPng(28, 28, (x, y) =>
                Math.Abs(((y1 - y0) * (x - x0)) - ((x1 - x0) * (y - y0))) < 20 || Math.Abs(x - x1) + Math.Abs(y - y0) < 3 ? (byte)0 : (byte)255);
            paths[i] = Path.Combine(_folder, $"{prefix}{i:D3}.png");
            File.WriteAllBytes(paths[i], png);
        }

        return paths;
    }
}
