using OneShot.Classification;
using static TorchSharp.torch;

namespace OneShot.Tests.Classification;

public sealed class VectorIndexTests
{
    [Theory]
    [InlineData(DistanceMetric.Euclidean)]
    [InlineData(DistanceMetric.SquaredEuclidean)]
    [InlineData(DistanceMetric.Cosine)]
    public void Search_ManyChunks_MatchesFullDistanceMatrixTopK(DistanceMetric metric)
    {
        using var generator = new Generator(11);
        using var vectors = randn(new long[] { 203, 8 }, generator: generator);
        using var queries = randn(new long[] { 7, 8 }, generator: generator);
        using var index = new VectorIndex(vectors, metric, maxChunkElements: 7 * 20); // 20 rows per chunk, 11 chunks

        var (distances, indices) = index.Search(queries, 5);
        using var d = distances;
        using var i = indices;
        using var full = Distances.Compute(queries, vectors, metric);
        var (expected, expectedIndices) = full.topk(5, dim: 1, largest: false, sorted: true);
        using var e = expected;
        using var ei = expectedIndices;

        d.shape.Should().Equal(7, 5);
        i.data<long>().ToArray().Should().Equal(ei.data<long>().ToArray());
        d.data<float>().ToArray().Should().Equal(e.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-4);
    }

    [Fact]
    public void Search_HandComputedEuclidean_ReturnsNearestRowsAscending()
    {
        using var vectors = tensor(new float[] { 0, 0, 3, 4, 1, 0, 10, 10 }, [4, 2]);
        using var queries = tensor(new float[] { 0, 0 }, [1, 2]);
        using var index = new VectorIndex(vectors, DistanceMetric.Euclidean, maxChunkElements: 2);

        var (distances, indices) = index.Search(queries, 3);
        using var d = distances;
        using var i = indices;

        i.data<long>().ToArray().Should().Equal(0L, 2L, 1L);
        d.data<float>().ToArray().Should().Equal(0f, 1f, 5f);
    }

    [Fact]
    public void Search_IndexBuiltInsideCallersScope_StillUsableAfterIt()
    {
        using var vectors = tensor(new float[] { 0, 0, 2, 0 }, [2, 2]);
        using var queries = tensor(new float[] { 1.5f, 0 }, [1, 2]);
        VectorIndex index;
        using (var scope = NewDisposeScope())
        {
            index = new VectorIndex(vectors, DistanceMetric.Euclidean);
        }

        using (index)
        {
            var (distances, indices) = index.Search(queries, 1);
            using var d = distances;
            using var i = indices;
            i.item<long>().Should().Be(1);
            d.item<float>().Should().Be(0.5f);
        }
    }

    [Fact]
    public void Search_KLargerThanCount_ReturnsAllRows()
    {
        using var vectors = tensor(new float[] { 1, 0, 0, 1 }, [2, 2]);
        using var queries = tensor(new float[] { 1, 0 }, [1, 2]);
        using var index = new VectorIndex(vectors, DistanceMetric.Cosine);

        var (distances, indices) = index.Search(queries, 5);
        using var d = distances;
        using var i = indices;

        i.data<long>().ToArray().Should().Equal(0L, 1L);
        d.data<float>().ToArray().Should().Equal(0f, 1f);
    }

    [Fact]
    public void Search_WrongDimension_ThrowsNamingShapes()
    {
        using var vectors = zeros(3, 4);
        using var queries = zeros(2, 5);
        using var index = new VectorIndex(vectors, DistanceMetric.Euclidean);

        var act = () => index.Search(queries, 1);

        act.Should().Throw<ArgumentException>().WithMessage("Expected float32 queries of shape [Q,4]; got Float32 [2,5].*").And.ParamName.Should().Be("queries");
    }
}
