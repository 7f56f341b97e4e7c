using OneShot.Classification;
using static OneShot.Tests.Classification.TestTensors;

namespace OneShot.Tests.Classification;

[Collection(TorchGlobalState.Name)]
public sealed class LinearProbeClassifierTests : IDisposable
{
    private readonly OneShot.Tests.Training.SingleThreadedTorch _threads = new();

    private static readonly float[][] SupportRows =
    [
        [2, 0], [3, 1], [2.5f, -1],
        [-2, 0], [-3, 1], [-2.5f, -1],
        [0, 3], [1, 4], [-1, 4],
    ];

    private static readonly string[] SupportLabels = ["a", "a", "a", "b", "b", "b", "c", "c", "c"];

    [Fact]
    public void Fit_LinearlySeparableEmbeddings_ClassifiesSupportAndNewPointsPerfectly()
    {
        using var support = Rows(SupportRows);
        using var queries = Rows([4, 0], [-4, 0.5f], [0.5f, 5], [1.5f, 0.2f]);

        using var fitted = new LinearProbeClassifier().Fit(support, SupportLabels);

        fitted.Classes.Should().Equal("a", "b", "c");
        fitted.Predict(support).Select(p => p.Label).Should().Equal(SupportLabels);
        var predictions = fitted.Predict(queries);
        predictions.Select(p => p.Label).Should().Equal("a", "b", "c", "a");
        foreach (var p in predictions)
        {
            p.Score.Should().BeApproximately(-Math.Log(p.Probability), 1e-5, "the distance is the cross-entropy at temperature 1");
            p.TopK.Sum(s => s.Probability).Should().BeApproximately(1, 1e-5);
            p.TopK.Select(s => s.Score).Should().BeInAscendingOrder();
        }
    }

    [Fact]
    public void Fit_Twice_BitIdenticalWeightsAndPredictions()
    {
        using var support = Rows(SupportRows);
        var classifier = new LinearProbeClassifier(new LinearProbeClassifierOptions { Steps = 50, WeightDecay = 0.01 });

        using var first = classifier.Fit(support, SupportLabels);
        using var second = classifier.Fit(support, SupportLabels);
        using var w1 = first.GetWeights();
        using var w2 = second.GetWeights();
        using var b1 = first.GetBias();
        using var b2 = second.GetBias();

        Values(w2).Should().Equal(Values(w1));
        Values(b2).Should().Equal(Values(b1));
        w1.shape.Should().Equal(3, 2);
        second.Predict(support).Should().Equal(first.Predict(support));
    }

    [Fact]
    public void PredictProbabilities_Temperature_IsSoftmaxOfLogitsOverTemperature()
    {
        using var support = Rows(SupportRows);
        using var query = Rows([1, 1]);
        using var fitted = new LinearProbeClassifier(new LinearProbeClassifierOptions { Temperature = 2 }).Fit(support, SupportLabels);
        using var w = fitted.GetWeights();
        using var b = fitted.GetBias();
        float[] weights = Values(w), bias = Values(b);
        double[] logits = Enumerable.Range(0, 3).Select(c => (weights[2 * c] + weights[(2 * c) + 1] + bias[c]) / 2.0).ToArray();
        double total = logits.Sum(Math.Exp);

        using var probabilities = fitted.PredictProbabilities(query);

        Values(probabilities).Should().Equal(logits.Select(l => (float)(Math.Exp(l) / total)), (x, y) => Math.Abs(x - y) < 1e-5);
    }

    [Fact]
    public void Options_InvalidValues_Throw()
    {
        FluentActions.Invoking(() => new LinearProbeClassifierOptions { Steps = 0 }).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Steps");
        FluentActions.Invoking(() => new LinearProbeClassifierOptions { LearningRate = 0 }).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("LearningRate");
        FluentActions.Invoking(() => new LinearProbeClassifierOptions { WeightDecay = -1 }).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("WeightDecay");
        new LinearProbeClassifierOptions().CreateClassifier().Should().BeOfType<LinearProbeClassifier>();
    }

    public void Dispose() => _threads.Dispose();
}
