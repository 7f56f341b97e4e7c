using OneShot.Classification;
using static TorchSharp.torch;

namespace OneShot.Tests.Classification;

public sealed class KNearestNeighborChunkingTests
{
    [Theory]
    [InlineData(DistanceMetric.SquaredEuclidean, NeighborWeighting.Distance)]
    [InlineData(DistanceMetric.Cosine, NeighborWeighting.Uniform)]
    public void Predict_SupportWalkedInChunks_EqualsFullMatrix(DistanceMetric metric, NeighborWeighting weighting)
    {
        using var generator = new Generator(5);
        using var support = randn(new long[] { 97, 6 }, generator: generator);
        using var queries = randn(new long[] { 9, 6 }, generator: generator);
        string[] labels = [.. Enumerable.Range(0, 97).Select(i => $"c{i % 7}")];
        var classifier = new KNearestNeighborClassifier(new() { K = 4, Metric = metric, Weighting = weighting });
        using var full = classifier.Fit(support, labels);
        using var chunked = classifier.Fit(support, labels);
        chunked.ChunkElements = 9 * 10; // 10 support rows per chunk

        var expected = full.Predict(queries);
        var actual = chunked.Predict(queries);
        using var expectedProbabilities = full.PredictProbabilities(queries);
        using var actualProbabilities = chunked.PredictProbabilities(queries);

        actual.Select(p => p.Label).Should().Equal(expected.Select(p => p.Label));
        actual.Select(p => p.Score).Should().Equal(expected.Select(p => p.Score), (a, b) => Math.Abs(a - b) < 1e-4);
        actual.Select(p => p.Probability).Should().Equal(expected.Select(p => p.Probability), (a, b) => Math.Abs(a - b) < 1e-5);
        actualProbabilities.data<float>().ToArray().Should().Equal(expectedProbabilities.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
        expected.Select(p => p.Label).Distinct().Count().Should().BeGreaterThan(1, "the queries must not all land in one class");
    }
}
