using OneShot.Classification;
using OneShot.Verification;
using static OneShot.Tests.Classification.TestTensors;
using static TorchSharp.torch;

namespace OneShot.Tests.Classification;

public sealed class TemperatureDefaultsTests
{
    [Fact]
    public void Cosine_PerfectMatchInFiveWay_HasProbabilityAtLeastNinetyPercent()
    {
        // Five orthogonal unit prototypes; the query equals the first: cosine distances 0, 1, 1, 1, 1.
        using var support = eye(5);
        using var query = Rows([1, 0, 0, 0, 0]);
        string[] labels = ["a", "b", "c", "d", "e"];

        using var byDefault = new PrototypeClassifier(new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine }).Fit(support, labels);
        using var atOne = new PrototypeClassifier(new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine, Temperature = 1 }).Fit(support, labels);

        var best = byDefault.Predict(query).Single();
        best.Label.Should().Be("a");
        best.Probability.Should().BeGreaterThanOrEqualTo(0.9).And.BeApproximately(1 / (1 + (4 * Math.Exp(-10))), 1e-6, "softmax(-d / 0.1)");
        atOne.Predict(query).Single().Probability.Should().BeApproximately(1 / (1 + (4 * Math.Exp(-1))), 1e-6, "temperature 1 would leave a perfect match at 0.40");
    }

    [Fact]
    public void Defaults_FitWhatTheScoreMeasures_AndAnExplicitValueWins()
    {
        new PrototypeClassifierOptions().Temperature.Should().Be(1);
        new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine }.Temperature.Should().Be(0.1);
        new PrototypeClassifierOptions { Metric = DistanceMetric.Euclidean }.Temperature.Should().Be(1);
        new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine, Temperature = 0.5 }.Temperature.Should().Be(0.5);
        new KNearestNeighborOptions { Metric = DistanceMetric.Cosine }.Temperature.Should().Be(1, "k-NN tempers vote shares");
        new LinearProbeClassifierOptions().Temperature.Should().Be(1);
        new CosineHeadClassifierOptions().Temperature.Should().Be(0.1);
        new SiameseClassifierOptions().Temperature.Should().Be(1, "a contrastive head scores Euclidean distances");
        new SiameseClassifierOptions { Head = SiameseHead.Koch([1f], 0) }.Temperature.Should().Be(0.1, "a Koch head scores probabilities in [0, 1]");
    }

    [Fact]
    public void UnknownThreshold_LinearProbe_AppliesToTheCrossEntropy()
    {
        using var support = Rows([1, 0], [0, 1]);
        using var queries = Rows([3, 0], [0.5f, 0.5f]);
        var options = new LinearProbeClassifierOptions { Steps = 100, UnknownThreshold = 0.5 };

        using var fitted = new LinearProbeClassifier(options).Fit(support, ["a", "b"]);
        var predictions = fitted.Predict(queries);

        predictions.Select(p => p.ScoreKind).Should().AllBeEquivalentTo(ScoreKind.NegativeLogLikelihood);
        predictions.Select(p => p.Distance).Should().AllBeEquivalentTo((double?)null, "a cross-entropy is not a distance");
        predictions[0].Score.Should().BeLessThan(0.5);
        predictions[0].Label.Should().Be("a");
        predictions[1].Score.Should().BeApproximately(Math.Log(2), 1e-3, "the middle point is a coin toss");
        predictions[1].Label.Should().Be(Prediction.UnknownLabel);
    }

    [Fact]
    public void UnknownThreshold_KochHead_RejectsPairProbabilitiesBelowIt()
    {
        // Pair probability σ(−|Δ| + 2): 0.88 for an exact match, 0.27 three units away.
        var options = new SiameseClassifierOptions { Head = SiameseHead.Koch([-1f], 2f), UnknownThreshold = 0.5 };
        using var support = Points(0, 10);
        using var queries = Points(0, 3);

        using var fitted = new SiameseClassifier(options).Fit(support, ["a", "b"]);
        var predictions = fitted.Predict(queries);

        predictions[0].Label.Should().Be("a");
        predictions[0].Score.Should().BeApproximately(1 / (1 + Math.Exp(-2)), 1e-6);
        predictions[1].Label.Should().Be(Prediction.UnknownLabel);
        predictions[1].TopK[0].Label.Should().Be("a");
        predictions[1].Score.Should().BeApproximately(1 / (1 + Math.Exp(1)), 1e-6);
    }
}
