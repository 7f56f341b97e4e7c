using BenchmarkDotNet.Attributes;
using OneShot.Classification;
using static TorchSharp.torch;

namespace OneShot.Benchmarks;

/// <summary>BenchmarkDotNet micro-benchmarks: chunked VectorIndex search vs the full distance matrix + top-k.</summary>
[MemoryDiagnoser]
public class SearchMicroBenchmarks
{
    private Tensor _vectors = null!;
    private Tensor _queries = null!;
    private VectorIndex _index = null!;

    /// <summary>Enrolled vectors.</summary>
    [Params(10_000)]
    public int Count { get; set; }

    /// <summary>Creates the data.</summary>
    [GlobalSetup]
    public void Setup()
    {
        random.manual_seed(1);
        _vectors = randn(Count, 128);
        _queries = randn(256, 128);
        _index = new VectorIndex(_vectors, DistanceMetric.Euclidean);
    }

    /// <summary>Frees the data.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _index.Dispose();
        _vectors.Dispose();
        _queries.Dispose();
    }

    /// <summary>The straightforward path.</summary>
    [Benchmark(Baseline = true)]
    public void FullMatrixTopK()
    {
        using var scope = NewDisposeScope();
        _ = Distances.Compute(_queries, _vectors, DistanceMetric.Euclidean).topk(5, dim: 1, largest: false);
    }

    /// <summary>The library's chunked search.</summary>
    [Benchmark]
    public void VectorIndexSearch()
    {
        var (d, i) = _index.Search(_queries, 5);
        d.Dispose();
        i.Dispose();
    }
}
