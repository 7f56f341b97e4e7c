using OneShot.Classification;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Classification;

public sealed class FittedClassifierMemoryTests
{
    public static TheoryData<string> Classifiers => new() { "prototype", "knn" };

    [Theory]
    [MemberData(nameof(Classifiers))]
    public void Predict_OneThousandCallsOutsideAnyScope_LiveTensorCountStaysFlat(string kind)
    {
        using var support = randn(12, 8, generator: new Generator(5));
        string[] labels = Enumerable.Range(0, 12).Select(i => $"c{i % 4}").ToArray();
        ClassifierOptions options = kind == "knn"
            ? new KNearestNeighborOptions { K = 3, Metric = DistanceMetric.Cosine }
            : new PrototypeClassifierOptions { Metric = DistanceMetric.Euclidean };
        using var fitted = options.CreateClassifier().Fit(support, labels);
        using var queries = randn(3, 8, generator: new Generator(6)).to_type(ScalarType.Float64);
        var first = fitted.Predict(queries);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 1000; i++)
        {
            fitted.Predict(queries).Should().Equal(first);
            if (i % 10 == 0)
            {
                using var probabilities = fitted.PredictProbabilities(queries);
            }
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }
}
