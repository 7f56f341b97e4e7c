using OneShot.Classification;

namespace OneShot.Tests.Classification;

public sealed class ClassifierOptionsTests
{
    [Fact]
    public void Defaults_AreSquaredEuclideanTemperatureOneTopFiveNoThreshold()
    {
        var options = new PrototypeClassifierOptions();
        var knn = new KNearestNeighborOptions();

        (options.Metric, options.Temperature, options.TopK, options.UnknownThreshold)
            .Should().Be((DistanceMetric.SquaredEuclidean, 1.0, 5, (double?)null));
        (knn.K, knn.Weighting).Should().Be((3, NeighborWeighting.Distance));
        options.CreateClassifier().Should().BeOfType<PrototypeClassifier>();
        knn.CreateClassifier().Should().BeOfType<KNearestNeighborClassifier>().Which.Options.Should().Be(knn);
    }

    [Fact]
    public void Init_InvalidValues_ThrowArgumentOutOfRangeNamingTheProperty()
    {
        var cases = new (Action Act, string Name)[]
        {
            (() => _ = new PrototypeClassifierOptions { Temperature = 0 }, "Temperature"),
            (() => _ = new PrototypeClassifierOptions { Temperature = double.PositiveInfinity }, "Temperature"),
            (() => _ = new PrototypeClassifierOptions { TopK = 0 }, "TopK"),
            (() => _ = new PrototypeClassifierOptions { UnknownThreshold = double.NaN }, "UnknownThreshold"),
            (() => _ = new PrototypeClassifierOptions { UnknownThreshold = -1 }, "UnknownThreshold"),
            (() => _ = new PrototypeClassifierOptions { Metric = (DistanceMetric)42 }, "Metric"),
            (() => _ = new KNearestNeighborOptions { K = 0 }, "K"),
            (() => _ = new KNearestNeighborOptions { Weighting = (NeighborWeighting)7 }, "Weighting"),
        };

        foreach (var (act, name) in cases)
        {
            act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);
        }
    }
}
