using OneShot.Classification;
using OneShot.Tests.Classification;
using OneShot.Verification;
using static TorchSharp.torch;

namespace OneShot.Tests.Verification;

public sealed class SiameseClassifierTests
{
    [Fact]
    public void Predict_Contrastive_BestSupportWinsWhereNearestMeanWouldNot()
    {
        // A's supports at 0 and 10 (mean 5), B's at 6. The query 9.5 is 0.5 from A's 10 but 3.5 from B (and 4.5 from A's mean).
        using var support = TestTensors.Points(0, 10, 6);
        using var query = TestTensors.Points(9.5f);
        using var fitted = new SiameseClassifier().Fit(support, ["A", "A", "B"]);
        using var prototypes = new PrototypeClassifier(new PrototypeClassifierOptions { Metric = DistanceMetric.Euclidean }).Fit(support, ["A", "A", "B"]);

        var prediction = fitted.Predict(query)[0];

        prototypes.Predict(query)[0].Label.Should().Be("B", "the nearest mean is B's");
        prediction.Label.Should().Be("A");
        prediction.Score.Should().BeApproximately(0.5, 1e-6);
        prediction.TopK.Select(t => t.Label).Should().Equal("A", "B");
        prediction.TopK[1].Score.Should().BeApproximately(3.5, 1e-6);
        prediction.Probability.Should().BeApproximately(1 / (1 + Math.Exp(-3)), 1e-6, "softmax of scores −0.5 and −3.5");
    }

    [Fact]
    public void Predict_KochHead_ClassOfHighestProbabilityPairWins()
    {
        // Score = σ(−|Δx| − |Δy| + 2).
        var head = SiameseHead.Koch([-1f, -1f], 2f);
        using var support = TestTensors.Rows([3, 0], [5, 5], [1, 0.5f]);
        using var queries = TestTensors.Rows([0, 0], [3, 0.2f]);
        using var fitted = new SiameseClassifier(new SiameseClassifierOptions { Head = head, Temperature = 1 }).Fit(support, ["A", "A", "B"]);

        var predictions = fitted.Predict(queries);

        // Query 1: A's best is σ(−1), B's σ(0.5). Query 2: A's best σ(1.8) (first support), B's σ(−0.3).
        predictions.Select(p => p.Label).Should().Equal("B", "A");
        predictions[0].Score.Should().BeApproximately(Sigmoid(0.5), 1e-6, "the score is the best pair probability, not 1 - p");
        predictions[0].ScoreKind.Should().Be(ScoreKind.PairProbability);
        predictions[0].Distance.Should().BeNull("a pair probability is not a distance");
        predictions[1].Score.Should().BeApproximately(Sigmoid(1.8), 1e-6);
        using var probabilities = fitted.PredictProbabilities(queries);
        float[] p = TestTensors.Values(probabilities);
        p[0].Should().BeApproximately((float)(Math.Exp(Sigmoid(-1)) / (Math.Exp(Sigmoid(-1)) + Math.Exp(Sigmoid(0.5)))), 1e-6f);
    }

    [Fact]
    public void Fit_KochHeadOfOtherLength_ThrowsNamingBoth()
    {
        var options = new SiameseClassifierOptions { Head = SiameseHead.Koch([1f, 1f, 1f], 0) };
        using var support = TestTensors.Rows([3, 0], [5, 5]);

        var act = () => options.CreateClassifier().Fit(support, ["A", "B"]);

        act.Should().Throw<ArgumentException>()
            .WithMessage("The Koch head has 3 weights but the embeddings have 2 values; expected one weight per value.*");
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
