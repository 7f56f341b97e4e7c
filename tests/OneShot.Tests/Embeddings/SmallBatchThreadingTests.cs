using System.Collections.Concurrent;
using FluentAssertions;
using OneShot.Data;
using OneShot.Embeddings;
using Xunit;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>
/// The small-batch thread policy of <see cref="Embedder.Embed"/>: a single image runs on one intra-op thread, larger
/// batches on libtorch's count, the caller's count is restored, and other threads' counts are never touched.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class SmallBatchThreadingTests : IDisposable
{
    private readonly int _previous = get_num_threads();
    private readonly ConcurrentQueue<(long Batch, int Threads)> _seen = new();

    public SmallBatchThreadingTests() => set_num_threads(2);

    public void Dispose() => set_num_threads(_previous);

    [Fact]
    public void Embed_DefaultPolicy_OneImageRunsOnOneThreadLargerBatchesOnTheCallersCountWhichIsRestored()
    {
        using var embedder = ProbeEmbedder((batch, threads) => _seen.Enqueue((batch, threads)));
        _seen.Clear();
        using var one = rand(1, 1, 6, 6);
        using var three = rand(3, 1, 6, 6);

        embedder.Embed(one).Dispose();
        int afterOne = get_num_threads();
        embedder.Embed(three).Dispose();

        // A lone image runs as a pass of two (the image twice; Embedder.ForwardNeverSingle), on one thread.
        _seen.Should().Equal((2L, 1), (3L, 2));
        afterOne.Should().Be(2);
        get_num_threads().Should().Be(2);
    }

    [Fact]
    public void Embed_PolicyOffOrWider_UsesTheConfiguredCounts()
    {
        using var embedder = ProbeEmbedder((batch, threads) => _seen.Enqueue((batch, threads)));
        using var one = rand(1, 1, 6, 6);
        using var four = rand(4, 1, 6, 6);
        using var five = rand(5, 1, 6, 6);
        _seen.Clear();

        embedder.SmallBatchThreading = SmallBatchThreading.Off;
        embedder.Embed(one).Dispose();
        embedder.SmallBatchThreading = new SmallBatchThreading { MaxBatch = 4, Threads = 1 };
        embedder.Embed(four).Dispose();
        embedder.Embed(five).Dispose();

        _seen.Should().Equal((2L, 2), (4L, 1), (5L, 2)); // the lone image as a pass of two
        get_num_threads().Should().Be(2);
    }

    [Fact]
    public void Embed_OneImageInFlight_AnotherThreadKeepsItsOwnCount()
    {
        using var ready = new ManualResetEventSlim();
        using var inside = new ManualResetEventSlim();
        using var checkedOther = new ManualResetEventSlim();
        int otherDuring = -1, otherBefore = -1;
        var other = new Thread(() =>
        {
            // libtorch initialises a thread's count from the process default on its first query or parallel
            // operation; after that the thread's count is its own.
            _ = get_num_threads();
            set_num_threads(2);
            otherBefore = get_num_threads();
            ready.Set();
            inside.Wait(TimeSpan.FromSeconds(30));
            otherDuring = get_num_threads();
            checkedOther.Set();
        });
        other.Start();
        ready.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue();
        int seenInside = -1;
        bool armed = false; // Embedder.Create probes a batch of one through Forward (not Embed): wait for the real pass
        using var embedder = ProbeEmbedder((batch, threads) =>
        {
            if (armed && seenInside < 0)
            {
                seenInside = threads;
                inside.Set();
                checkedOther.Wait(TimeSpan.FromSeconds(30));
            }
        });
        using var one = rand(1, 1, 6, 6);

        armed = true;
        embedder.Embed(one).Dispose();
        other.Join(TimeSpan.FromSeconds(30)).Should().BeTrue();

        seenInside.Should().Be(1);
        otherBefore.Should().Be(2);
        otherDuring.Should().Be(2, "the policy changes the calling thread's count only");
        get_num_threads().Should().Be(2);
    }

    [Fact]
    public void Embed_OneImage_EqualsTheSameImageUnderLibtorchsThreads()
    {
        random.manual_seed(3);
        using var embedder = Embedder.Create(new EmbedderOptions { Device = DeviceChoice.Cpu });
        using var image = rand(1, 1, 28, 28);
        using var policy = embedder.Embed(image);
        embedder.SmallBatchThreading = SmallBatchThreading.Off;
        using var plain = embedder.Embed(image);

        policy.shape.Should().Equal(1, 64);
        (policy - plain).abs().max().item<float>().Should().BeLessThan(1e-5f);
    }

    [Fact]
    public void GalleryClassify_OneImage_HoldsThePolicyForTheWholeCallAndRestoresTheCount()
    {
        using var embedder = ProbeEmbedder((batch, threads) => _seen.Enqueue((batch, threads)));
        using var gallery = new OneShot.Galleries.Gallery(embedder);
        using (var a = rand(1, 1, 6, 6))
        using (var b = rand(1, 1, 6, 6))
        {
            gallery.Enroll("a", a);
            gallery.Enroll("b", b);
        }

        string folder = Directory.CreateTempSubdirectory("oneshot-threads-").FullName;
        try
        {
            string[] files = [.. Enumerable.Range(0, 3).Select(i => Path.Combine(folder, $"q{i}.png"))];
            for (int i = 0; i < files.Length; i++)
            {
                File.WriteAllBytes(files[i], OneShot.Tests.Data.TestImages.Encode(SkiaSharp.SKEncodedImageFormat.Png, 6, 6, (x, y) => (x + y + i) % 2 == 0 ? SkiaSharp.SKColors.Black : SkiaSharp.SKColors.White));
            }

            using var one = rand(1, 6, 6);
            using var three = rand(3, 1, 6, 6);
            _seen.Clear();

            var fromFile = gallery.Classify(files[0]);
            int afterFile = get_num_threads();
            var fromTensor = gallery.Classify(one);
            int afterTensor = get_num_threads();
            var batch = gallery.ClassifyBatch(files);
            var tensorBatch = gallery.ClassifyBatch(three);

            // One image: one thread (as a pass of two, Embedder.ForwardNeverSingle); three: the caller's two.
            _seen.Should().Equal((2L, 1), (2L, 1), (3L, 2), (3L, 2));
            new[] { afterFile, afterTensor, get_num_threads() }.Should().Equal(2, 2, 2);
            batch[0].Label.Should().Be(fromFile.Label, "the policy does not change a prediction");
            batch[0].Score.Should().Be(fromFile.Score);
            tensorBatch.Should().HaveCount(3);
            fromTensor.Label.Should().BeOneOf("a", "b");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Options_OutOfRangeValues_ThrowNamingTheProperty()
    {
        var negative = () => new SmallBatchThreading { MaxBatch = -1 };
        var zeroThreads = () => new SmallBatchThreading { Threads = 0 };
        using var embedder = Embedder.Create(new EmbedderOptions { Device = DeviceChoice.Cpu });
        var nullPolicy = () => embedder.SmallBatchThreading = null!;

        negative.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("MaxBatch");
        zeroThreads.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Threads");
        nullPolicy.Should().Throw<ArgumentNullException>();
        SmallBatchThreading.Default.Should().Be(new SmallBatchThreading { MaxBatch = 1, Threads = 1 });
        SmallBatchThreading.Off.MaxBatch.Should().Be(0);
    }

    private static Embedder ProbeEmbedder(Action<long, int> probe) => Embedder.Create(new EmbedderOptions
    {
        Device = DeviceChoice.Cpu,
        Backbone = new ThreadProbeBackboneOptions { Probe = probe },
        Preprocessing = new ImagePreprocessing { Color = ColorMode.Grayscale, Width = 6, Height = 6 },
    });
}
