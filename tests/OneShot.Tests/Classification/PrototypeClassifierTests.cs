using OneShot.Classification;
using static OneShot.Tests.Classification.TestTensors;

namespace OneShot.Tests.Classification;

public sealed class PrototypeClassifierTests
{
    [Fact]
    public void Fit_InterleavedLabels_PrototypesEqualClassMeansInFirstAppearanceOrder()
    {
        using var support = Rows([0, 0], [10, 10], [2, 0], [12, 14], [1, 3]);
        string[] labels = ["a", "b", "a", "b", "a"];

        using var fitted = new PrototypeClassifier().Fit(support, labels);
        using var prototypes = fitted.GetPrototypes();

        fitted.Classes.Should().Equal("a", "b");
        prototypes.shape.Should().Equal(2, 2);
        Values(prototypes).Should().Equal(new float[] { 1, 1, 11, 12 }, (x, y) => Math.Abs(x - y) < 1e-6);
    }

    [Fact]
    public void Fit_CosineMetric_PrototypesAreMeansOfNormalisedEmbeddings()
    {
        using var support = Rows([2, 0], [0, 3]);

        using var fitted = new PrototypeClassifier(new() { Metric = DistanceMetric.Cosine }).Fit(support, ["a", "a"]);
        using var prototypes = fitted.GetPrototypes();

        Values(prototypes).Should().Equal(new float[] { 0.5f, 0.5f }, (x, y) => Math.Abs(x - y) < 1e-6);
    }

    [Theory]
    [InlineData(1.0, 0.7310585786)]
    [InlineData(0.5, 0.8807970780)]
    [InlineData(2.0, 0.6224593312)]
    public void Predict_TwoPrototypes_DistanceAndSoftmaxProbabilityFollowTemperature(double temperature, double expected)
    {
        // d(a) = 0.25 and d(b) = 1.25, so p(a) = 1 / (1 + exp(-1 / T)).
        using var support = Rows([0, 0], [1, 1]);
        using var query = Rows([0.5f, 0]);
        using var fitted = new PrototypeClassifier(new() { Temperature = temperature }).Fit(support, ["a", "b"]);

        var prediction = fitted.Predict(query).Single();

        prediction.Label.Should().Be("a");
        prediction.IsUnknown.Should().BeFalse();
        prediction.Score.Should().BeApproximately(0.25, 1e-6);
        prediction.Probability.Should().BeApproximately(expected, 1e-6);
        prediction.TopK.Select(s => s.Label).Should().Equal("a", "b");
        prediction.TopK[1].Score.Should().BeApproximately(1.25, 1e-6);
        prediction.TopK.Sum(s => s.Probability).Should().BeApproximately(1.0, 1e-6);
    }

    [Fact]
    public void Predict_FourClasses_TopKOrderedByDistanceAndTruncated()
    {
        using var support = Points(0, 1, 2, 3);
        using var query = Points(2.2f);
        using var fitted = new PrototypeClassifier(new() { TopK = 3 }).Fit(support, ["a", "b", "c", "d"]);

        var prediction = fitted.Predict(query).Single();
        using var probabilities = fitted.PredictProbabilities(query);

        prediction.TopK.Select(s => s.Label).Should().Equal("c", "d", "b");
        prediction.TopK.Select(s => s.Score).Should().Equal(new[] { 0.04, 0.64, 1.44 }, (x, y) => Math.Abs(x - y) < 1e-5);
        prediction.TopK.Select(s => s.Probability).Should().BeInDescendingOrder();
        float[] all = Values(probabilities);
        all.Sum().Should().BeApproximately(1f, 1e-6f);
        all[2].Should().BeApproximately((float)prediction.Probability, 1e-7f);
        double expectedC = 1 / (Math.Exp(-4.84 + 0.04) + Math.Exp(-1.44 + 0.04) + 1 + Math.Exp(-0.64 + 0.04));
        prediction.Probability.Should().BeApproximately(expectedC, 1e-5);
    }

    [Fact]
    public void Predict_BestDistanceAboveThreshold_ReturnsUnknownButKeepsCandidates()
    {
        using var support = Points(0, 10);
        using var queries = Points(1, 3, 9);
        using var fitted = new PrototypeClassifier(new() { UnknownThreshold = 4.0 }).Fit(support, ["a", "b"]);

        var predictions = fitted.Predict(queries);

        predictions.Select(p => p.Label).Should().Equal("a", Prediction.UnknownLabel, "b");
        predictions.Select(p => p.IsUnknown).Should().Equal(false, true, false);
        predictions[1].Score.Should().BeApproximately(9, 1e-5);
        predictions[1].TopK.Select(s => s.Label).Should().Equal("a", "b");
    }

    [Fact]
    public void Predict_DistanceEqualToThreshold_IsKnown()
    {
        using var support = Points(0);
        using var query = Points(2);
        using var fitted = new PrototypeClassifier(new() { UnknownThreshold = 4.0 }).Fit(support, ["a"]);

        fitted.Predict(query).Single().Label.Should().Be("a");
    }

    [Fact]
    public void Predict_EqualDistances_TieGoesToFirstClass()
    {
        using var support = Points(1, -1);
        using var query = Points(0);
        using var fitted = new PrototypeClassifier().Fit(support, ["right", "left"]);

        var prediction = fitted.Predict(query).Single();

        prediction.Label.Should().Be("right");
        prediction.Probability.Should().BeApproximately(0.5, 1e-6);
    }

    [Fact]
    public void Predict_WrongEmbeddingLength_ThrowsArgumentException()
    {
        using var support = Rows([0, 0]);
        using var query = Rows([0, 0, 0]);
        using var fitted = new PrototypeClassifier().Fit(support, ["a"]);

        var act = () => fitted.Predict(query);

        act.Should().Throw<ArgumentException>().WithMessage("Expected query embeddings of shape [Q,2]; got [1,3].*");
    }

    [Fact]
    public void Fit_LabelCountDiffersFromRows_ThrowsArgumentException()
    {
        using var support = Rows([0, 0], [1, 1]);

        var act = () => new PrototypeClassifier().Fit(support, ["a"]);

        act.Should().Throw<ArgumentException>().WithMessage("*one label per support embedding (2); got 1*");
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(Prediction.UnknownLabel)]
    public void Fit_EmptyWhitespaceOrReservedLabel_ThrowsArgumentException(string label)
    {
        using var support = Rows([0, 0]);

        var act = () => new PrototypeClassifier().Fit(support, [label]);

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("labels");
    }
}
