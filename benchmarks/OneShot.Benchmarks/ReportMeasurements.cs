using OneShot.Classification;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Galleries;
using SkiaSharp;
using static TorchSharp.torch;

namespace OneShot.Benchmarks;

/// <summary>The measurements of the report, each returning plain numbers; sizes shrink in smoke mode.</summary>
internal sealed class ReportMeasurements(bool smoke, TextWriter log)
{
    private const int TopK = 5;
    private readonly List<double> _gemmSamples = [];

    public bool Smoke { get; } = smoke;

    /// <summary>The median GEMM GFLOP/s over every reference sample taken during the run.</summary>
    public double GemmMedian => Timing.MedianOf(_gemmSamples);

    private long GemmSize => Smoke ? 512 : 2048;

    /// <summary>A GEMM call to interleave with a measurement, so its fraction of peak is a ratio measured side by side.</summary>
    private Action GemmAction(Tensor a, Tensor b) => () => a.mm(b).Dispose();

    private double GemmGflops(double seconds)
    {
        double g = 2.0 * GemmSize * GemmSize * GemmSize / seconds / 1e9;
        _gemmSamples.Add(g);
        return g;
    }

    /// <summary>GFLOP/s of an fp32 2048³ matrix product (smoke: 512³).</summary>
    public double Gemm()
    {
        long n = GemmSize;
        using var a = randn(n, n);
        using var b = randn(n, n);
        double seconds = Timing.Median(() => a.mm(b).Dispose(), Smoke ? 2 : 7);
        double gflops = GemmGflops(seconds);
        log.WriteLine($"gemm {n}^3: {seconds * 1e3:F1} ms, {gflops:F1} GFLOP/s");
        return gflops;
    }

    /// <summary>Embedding throughput, plain eval forward vs the library's Embed (folded batch norm).</summary>
    public EmbeddingRow Embedding(string architecture, int batch, int repeats, bool measurePlain, bool warmUp = true)
    {
        bool conv4 = architecture == "conv4";
        int size = conv4 ? 28 : 84, channels = conv4 ? 1 : 3;
        int[] widths = conv4 ? [64, 64, 64, 64] : Smoke ? [8, 16, 32, 64] : [64, 160, 320, 640];
        if (Smoke)
        {
            size = conv4 ? 28 : 20;
        }

        var options = new EmbedderOptions
        {
            Device = DeviceChoice.Cpu,
            Backbone = conv4 ? new Conv4Options { Widths = widths } : new ResNet12Options { Widths = widths },
            Preprocessing = new ImagePreprocessing { Color = conv4 ? ColorMode.Grayscale : ColorMode.Rgb, Width = size, Height = size },
        };
        using var embedder = Embedder.Create(options);
        using var images = rand(batch, channels, size, size);
        double flopsPerImage = conv4 ? Flops.Conv4(channels, size, widths) : Flops.ResNet12(channels, size, widths);
        using var ga = randn(GemmSize, GemmSize);
        using var gb = randn(GemmSize, GemmSize);
        double library, plain = double.NaN, gemm;
        void Library() => embedder.Embed(images).Dispose();
        void Plain()
        {
            using var inference = inference_mode();
            embedder.Forward(images).Dispose();
        }

        if (measurePlain)
        {
            var times = Timing.Interleaved(repeats, warmUp, Library, Plain, GemmAction(ga, gb));
            (library, plain, gemm) = (times[0], times[1], GemmGflops(times[2]));
        }
        else
        {
            var times = Timing.Interleaved(repeats, warmUp, Library, GemmAction(ga, gb));
            (library, gemm) = (times[0], GemmGflops(times[1]));
        }

        var row = new EmbeddingRow(architecture, size, batch, flopsPerImage, library, plain, gemm);
        log.WriteLine($"embed {architecture}-{size} batch {batch}: library {batch / library:F0} img/s, plain eval forward {batch / plain:F0} img/s, GEMM beside it {gemm:F1} GFLOP/s");
        return row;
    }

    /// <summary>Top-5 search of 1,024 queries over 100,000 vectors of length 512 (smoke: 64 over 5,000).</summary>
    public SearchRow Search(DistanceMetric metric, bool measurePlain)
    {
        int q = Smoke ? 64 : 1024, n = Smoke ? 5_000 : 100_000, d = 512;
        using var vectors = randn(n, d);
        using var queries = randn(q, d);
        using var index = new VectorIndex(vectors, metric);
        void Chunked() => Dispose(index.Search(queries, TopK));
        void Full()
        {
            using var scope = NewDisposeScope();
            _ = Distances.Compute(queries, vectors, metric).topk(TopK, dim: 1, largest: false);
        }

        using var ga = randn(GemmSize, GemmSize);
        using var gb = randn(GemmSize, GemmSize);
        double seconds, plain = double.NaN, gemm;
        if (measurePlain)
        {
            var times = Timing.Interleaved(Smoke ? 1 : 5, warmUp: true, Chunked, Full, GemmAction(ga, gb));
            (seconds, plain, gemm) = (times[0], times[1], GemmGflops(times[2]));
        }
        else
        {
            var times = Timing.Interleaved(Smoke ? 1 : 5, warmUp: true, Chunked, GemmAction(ga, gb));
            (seconds, gemm) = (times[0], GemmGflops(times[1]));
        }

        log.WriteLine($"search {metric} {q}x{n}x{d}: {seconds * 1e3:F0} ms (full matrix + topk {plain * 1e3:F0} ms), GEMM beside it {gemm:F1} GFLOP/s");
        return new SearchRow(metric, q, n, d, seconds, plain, gemm);
    }

    /// <summary>Search time over N enrolled vectors (Euclidean, top-5, 1,024 queries).</summary>
    public double ScalingPoint(int n, int d)
    {
        int q = Smoke ? 64 : 1024;
        using var vectors = randn(n, d);
        using var queries = randn(q, d);
        using var index = new VectorIndex(vectors, DistanceMetric.Euclidean);
        bool big = (long)n * d > 100_000_000;
        double seconds = Timing.Median(() => Dispose(index.Search(queries, TopK)), big ? 1 : 3, warmUp: !big);
        log.WriteLine($"scaling N={n} d={d}: {seconds * 1e3:F1} ms");
        return seconds;
    }

    /// <summary>Files to embeddings through the pipeline vs embedding the same images already decoded.</summary>
    public PipelineRow Pipeline()
    {
        int count = Smoke ? 128 : 2048;
        string folder = Directory.CreateTempSubdirectory("oneshot-bench-").FullName;
        try
        {
            string[] paths = WriteImages(folder, count);
            using var embedder = Embedder.Create(new EmbedderOptions { Device = DeviceChoice.Cpu });
            var loader = new ImageLoader(embedder.Preprocessing);
            using var decoded = loader.LoadBatch(paths);
            var pipeline = new FileEmbeddingPipeline(embedder);
            var overlapped = new FileEmbeddingPipeline(embedder, batchSize: 256, overlap: true);
            int repeats = Smoke ? 1 : 5;
            var times = Timing.Interleaved(
                repeats,
                warmUp: true,
                () => embedder.Embed(decoded).Dispose(),
                () => pipeline.Embed(paths).Dispose(),
                () =>
                {
                    using var images = loader.LoadBatch(paths);
                    embedder.Embed(images).Dispose();
                },
                () => overlapped.Embed(paths).Dispose());
            double embedOnly = times[0], piped = times[1], sequential = times[2], overlap = times[3];
            log.WriteLine($"pipeline {count} files: embed-only {count / embedOnly:F0} img/s, pipeline {count / piped:F0} img/s, decode-then-embed {count / sequential:F0} img/s, overlapped {count / overlap:F0} img/s");
            return new PipelineRow(count, embedOnly, piped, sequential, overlap, pipeline.DecodeThreads, overlapped.DecodeThreads);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>RSS after 1,000 and after 100,000 single-image classify calls on a gallery (smoke: 100 and 1,000).</summary>
    public (long After1k, long AfterAll, int Calls) Memory()
    {
        int first = Smoke ? 100 : 1_000, total = Smoke ? 1_000 : 100_000;
        using var embedder = Embedder.Create(new EmbedderOptions { Device = DeviceChoice.Cpu });
        using var gallery = new Gallery(embedder);
        for (int c = 0; c < 5; c++)
        {
            using var enrol = rand(3, 1, 28, 28);
            gallery.Enroll($"class{c}", enrol);
        }

        using var image = rand(1, 28, 28);
        long afterFirst = 0;
        for (int i = 1; i <= total; i++)
        {
            _ = gallery.Classify(image);
            if (i == first)
            {
                afterFirst = Rss.Bytes();
            }
        }

        long afterAll = Rss.Bytes();
        log.WriteLine($"rss after {first} classify calls {afterFirst / 1048576.0:F1} MiB, after {total} {afterAll / 1048576.0:F1} MiB");
        return (afterFirst, afterAll, total);
    }

    private static void Dispose((Tensor A, Tensor B) pair)
    {
        pair.A.Dispose();
        pair.B.Dispose();
    }

    private static string[] WriteImages(string folder, int count)
    {
        var random = new Random(5);
        var paths = new string[count];
        using var bitmap = new SKBitmap(105, 105, SKColorType.Gray8, SKAlphaType.Opaque);
        using var canvas = new SKCanvas(bitmap);
        using var paint = new SKPaint { Color = SKColors.Black, StrokeWidth = 4, IsAntialias = false };
        for (int i = 0; i < count; i++)
        {
            canvas.Clear(SKColors.White);
            for (int s = 0; s < 4; s++)
            {
                canvas.DrawLine(random.Next(105), random.Next(105), random.Next(105), random.Next(105), paint);
            }

            paths[i] = Path.Combine(folder, $"{i:D5}.png");
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            using var file = File.Create(paths[i]);
            data.SaveTo(file);
        }

        return paths;
    }
}
