using OneShot.Classification;
using static OneShot.Tests.Classification.TestTensors;

namespace OneShot.Tests.Classification;

public sealed class KNearestNeighborClassifierTests
{
    // One-dimensional support around a query at 0 (squared distances in brackets):
    // a at 1 [1] and -20 [400] (mean -9.5 [90.25]); b at 3 [9] and 3.5 [12.25] (mean 3.25 [10.5625]).
    private static readonly float[] SupportPoints = [1, -20, 3, 3.5f];
    private static readonly string[] SupportLabels = ["a", "a", "b", "b"];

    [Fact]
    public void Predict_OutlierInClass_PrototypeAndNearestNeighbourDisagree()
    {
        using var support = Points(SupportPoints);
        using var query = Points(0);
        using var prototype = new PrototypeClassifier().Fit(support, SupportLabels);
        using var knn = new KNearestNeighborClassifier(new() { K = 1 }).Fit(support, SupportLabels);

        var byPrototype = prototype.Predict(query).Single();
        var byNeighbour = knn.Predict(query).Single();

        byPrototype.Label.Should().Be("b");
        byPrototype.Score.Should().BeApproximately(10.5625, 1e-4);
        byNeighbour.Label.Should().Be("a");
        byNeighbour.Score.Should().BeApproximately(1, 1e-6);
        byNeighbour.Probability.Should().Be(1);
    }

    [Fact]
    public void Predict_UniformVotes_MajorityOfThreeWinsWithTwoThirds()
    {
        using var support = Points(SupportPoints);
        using var query = Points(0);
        using var knn = new KNearestNeighborClassifier(new() { K = 3, Weighting = NeighborWeighting.Uniform }).Fit(support, SupportLabels);

        var prediction = knn.Predict(query).Single();

        prediction.Label.Should().Be("b");
        prediction.Probability.Should().BeApproximately(2.0 / 3, 1e-6);
        prediction.Score.Should().BeApproximately(9, 1e-5);
        prediction.TopK.Select(s => (s.Label, Math.Round(s.Score, 4), Math.Round(s.Probability, 6)))
            .Should().Equal(("b", 9.0, Math.Round(2.0 / 3, 6)), ("a", 1.0, Math.Round(1.0 / 3, 6)));
    }

    [Fact]
    public void Predict_DistanceWeightedVotes_NearSingleNeighbourOutweighsTwoFarOnes()
    {
        using var support = Points(SupportPoints);
        using var query = Points(0);
        using var knn = new KNearestNeighborClassifier(new() { K = 3, Weighting = NeighborWeighting.Distance }).Fit(support, SupportLabels);

        var prediction = knn.Predict(query).Single();

        const double eps = FittedKNearestNeighborClassifier.WeightEpsilon;
        double voteA = 1 / (1 + eps);
        double voteB = (1 / (9 + eps)) + (1 / (12.25 + eps));
        prediction.Label.Should().Be("a");
        prediction.Probability.Should().BeApproximately(voteA / (voteA + voteB), 1e-6);
        prediction.TopK[1].Probability.Should().BeApproximately(voteB / (voteA + voteB), 1e-6);
    }

    [Theory]
    [InlineData(1.0, 2.0 / 3)]
    [InlineData(0.5, 4.0 / 5)]
    [InlineData(2.0, 0.5857864376)]
    public void Predict_Temperature_TempersVoteShares(double temperature, double expected)
    {
        // Votes 2 : 1, so p(b) = 2^(1/T) / (2^(1/T) + 1).
        using var support = Points(SupportPoints);
        using var query = Points(0);
        var options = new KNearestNeighborOptions { K = 3, Weighting = NeighborWeighting.Uniform, Temperature = temperature };
        using var knn = new KNearestNeighborClassifier(options).Fit(support, SupportLabels);

        knn.Predict(query).Single().Probability.Should().BeApproximately(expected, 1e-6);
    }

    [Fact]
    public void Predict_UniformVoteTie_GoesToClassWithNearerExample()
    {
        using var support = Points(-2, 1);
        using var query = Points(0);
        using var knn = new KNearestNeighborClassifier(new() { K = 2, Weighting = NeighborWeighting.Uniform }).Fit(support, ["far", "near"]);

        var prediction = knn.Predict(query).Single();

        prediction.Label.Should().Be("near");
        prediction.TopK.Select(s => s.Probability).Should().Equal(0.5, 0.5);
    }

    [Fact]
    public void Predict_EqualDistances_NeighbourTieGoesToEarlierSupportRow()
    {
        using var support = Points(-1, 1);
        using var query = Points(0);
        using var knn = new KNearestNeighborClassifier(new() { K = 1 }).Fit(support, ["left", "right"]);

        knn.Predict(query).Single().Label.Should().Be("left");
    }

    [Fact]
    public void PredictProbabilities_ClassOutsideNeighbours_GetsZeroAndRowsSumToOne()
    {
        using var support = Points(0, 1, 10, 50);
        using var queries = Points(0.4f, 9);
        using var knn = new KNearestNeighborClassifier(new() { K = 2 }).Fit(support, ["a", "b", "c", "d"]);

        using var probabilities = knn.PredictProbabilities(queries);
        float[] p = Values(probabilities);

        probabilities.shape.Should().Equal(2, 4);
        p[3].Should().Be(0);
        p[4 + 3].Should().Be(0);
        p.Take(4).Sum().Should().BeApproximately(1f, 1e-6f);
        p.Skip(4).Sum().Should().BeApproximately(1f, 1e-6f);
        p[0].Should().BeGreaterThan(p[1]);
    }

    [Fact]
    public void Predict_BestDistanceAboveThreshold_ReturnsUnknown()
    {
        using var support = Points(SupportPoints);
        using var queries = Points(0, 100);
        var options = new KNearestNeighborOptions { K = 1, Metric = DistanceMetric.Euclidean, UnknownThreshold = 5 };
        using var knn = new KNearestNeighborClassifier(options).Fit(support, SupportLabels);

        var predictions = knn.Predict(queries);

        predictions.Select(p => p.Label).Should().Equal("a", Prediction.UnknownLabel);
        predictions[1].TopK[0].Label.Should().Be("b");
        predictions[1].Score.Should().BeApproximately(96.5, 1e-3);
    }

    [Fact]
    public void Fit_InsideDisposeScope_FittedClassifiersOutliveTheScope()
    {
        IFittedClassifier prototype;
        IFittedClassifier knn;
        using (var scope = TorchSharp.torch.NewDisposeScope())
        {
            var support = Points(SupportPoints);
            prototype = new PrototypeClassifier().Fit(support, SupportLabels);
            knn = new KNearestNeighborClassifier(new() { K = 1 }).Fit(support, SupportLabels);
        }

        using (prototype)
        using (knn)
        using (var query = Points(0))
        {
            prototype.Predict(query).Single().Label.Should().Be("b");
            knn.Predict(query).Single().Label.Should().Be("a");
        }
    }
}
