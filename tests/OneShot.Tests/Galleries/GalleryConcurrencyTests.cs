using OneShot.Classification;
using OneShot.Embeddings;
using OneShot.Galleries;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Galleries;

[Collection(TorchGlobalState.Name)]
public sealed class GalleryConcurrencyTests
{
    [Fact]
    public void Classify_OneThousandCalls_LiveTensorCountStaysFlat()
    {
        // A real (narrow, 16x16) Conv4, so the embedder's temporaries are counted too.
        manual_seed(7);
        using var embedder = Embedder.Create(new EmbedderOptions
        {
            Backbone = new Conv4Options { Widths = [8, 8, 8, 8] },
            Preprocessing = new global::OneShot.Data.ImagePreprocessing { Width = 16, Height = 16 },
        });
        using var gallery = new Gallery(embedder, new GalleryOptions { Classifier = new KNearestNeighborOptions { K = 2 } });
        using var support = rand(6, 1, 16, 16, generator: new Generator(11));
        gallery.Enroll("a", support.narrow(0, 0, 3));
        gallery.Enroll("b", support.narrow(0, 3, 3));
        using var query = rand(1, 16, 16, generator: new Generator(12));
        using var queryEmbedding = embedder.Embed(query.unsqueeze(0));
        var first = gallery.Classify(query);
        gallery.ClassifyEmbeddings(queryEmbedding);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 1000; i++)
        {
            gallery.Classify(query).Should().Be(first);
            gallery.ClassifyEmbeddings(queryEmbedding);
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void Classify_EightThreadsThroughRealConv4_EqualSerialResults()
    {
        manual_seed(5);
        using var embedder = Embedder.Create(new EmbedderOptions
        {
            Backbone = new Conv4Options { Widths = [8, 8, 8, 8] },
            Preprocessing = new global::OneShot.Data.ImagePreprocessing { Width = 16, Height = 16 },
            Device = DeviceChoice.Cpu,
        });
        using var gallery = new Gallery(embedder);
        using var support = rand(12, 1, 16, 16, generator: new Generator(31));
        for (int c = 0; c < 4; c++)
        {
            gallery.Enroll($"class{c}", support.narrow(0, c * 3, 3));
        }

        using var queries = rand(24, 1, 16, 16, generator: new Generator(32));
        var serial = Enumerable.Range(0, 24).Select(i =>
        {
            using var image = queries[i];
            return gallery.Classify(image);
        }).ToArray();

        var results = ClassifyOnEightThreads(gallery, queries, rounds: 1);

        foreach (var result in results)
        {
            result.Select(p => p.Label).Should().Equal(serial.Select(p => p.Label));
            result.Select(p => p.Score).Should().Equal(serial.Select(p => p.Score), (a, b) => Math.Abs(a - b) <= 1e-5 * Math.Max(1, Math.Abs(b)));
        }
    }

    [Fact]
    public void Classify_EightThreadsConcurrently_EqualSerialResults()
    {
        using var gallery = new Gallery(new FlattenEmbedder(height: 4, width: 4));
        using var embeddings = randn(40, 16, generator: new Generator(21));
        for (int c = 0; c < 8; c++)
        {
            gallery.EnrollEmbeddings($"class{c}", embeddings.narrow(0, c * 5, 5));
        }

        using var queries = randn(50, 1, 4, 4, generator: new Generator(22));
        var serial = Enumerable.Range(0, 50).Select(i =>
        {
            using var image = queries[i];
            return gallery.Classify(image);
        }).ToArray();
        gallery.ClassifyBatch(queries).Select(p => p.Label).Should().Equal(serial.Select(p => p.Label));

        var results = ClassifyOnEightThreads(gallery, queries, rounds: 5);

        foreach (var result in results)
        {
            result.Should().Equal(serial);
        }

        serial.Select(p => p.Label).Distinct().Count().Should().BeGreaterThan(1);
    }

    [Fact]
    public void ClassifyWhileEnrolling_ConcurrentReadersAndWriter_NeverFailAndSeeConsistentGallery()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var first = tensor(new float[] { 0, 0, 0, 0 });
        gallery.EnrollEmbeddings("origin", first);
        using var query = tensor(new float[] { 0.1f, 0, 0, 0 });
        var errors = new List<Exception>();
        using var stop = new CancellationTokenSource();

        var readers = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var p = gallery.ClassifyEmbeddings(query).Single();
                    bool consistent = p.Label == "origin"
                        && Math.Abs(p.Score - 0.01) < 1e-6
                        && p.TopK[0].Label == "origin"
                        && p.TopK.Select(c => c.Score).SequenceEqual(p.TopK.Select(c => c.Score).Order())
                        && p.TopK.Sum(c => c.Probability) <= 1.0001;
                    if (!consistent)
                    {
                        throw new InvalidOperationException($"Unexpected prediction {p}");
                    }
                }
            }
            catch (Exception e)
            {
                lock (errors)
                {
                    errors.Add(e);
                }
            }
        })).ToList();
        readers.ForEach(t => t.Start());
        for (int i = 1; i <= 50; i++)
        {
            using var far = full(new long[] { 4 }, 10f + i);
            gallery.EnrollEmbeddings($"far{i}", far);
            if (i % 5 == 0)
            {
                gallery.Remove($"far{i - 1}").Should().BeTrue();
            }
        }

        stop.Cancel();
        readers.ForEach(t => t.Join());

        errors.Should().BeEmpty();
        gallery.Count.Should().Be(41);
        gallery.ClassifyEmbeddings(query).Single().Label.Should().Be("origin");
    }

    /// <summary>Eight threads each classify every query (starting at different offsets), <paramref name="rounds"/> times.</summary>
    private static Prediction[][] ClassifyOnEightThreads(Gallery gallery, Tensor queries, int rounds)
    {
        int n = (int)queries.shape[0];
        var results = new Prediction[8][];
        var errors = new Exception?[8];
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            // An exception must fail this test, not end the test host (an unhandled exception on a thread does).
            try
            {
                var mine = new Prediction[n];
                for (int round = 0; round < rounds; round++)
                {
                    for (int i = 0; i < n; i++)
                    {
                        int index = (i + (t * 7)) % n;
                        using var image = queries[index];
                        mine[index] = gallery.Classify(image);
                    }
                }

                results[t] = mine;
            }
            catch (Exception e)
            {
                errors[t] = e;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        errors.Should().AllSatisfy(e => e.Should().BeNull("every thread classifies without error"));
        return results;
    }
}
