using OneShot.Classification;
using static OneShot.Tests.Classification.TestTensors;

namespace OneShot.Tests.Classification;

[Collection(TorchGlobalState.Name)]
public sealed class CosineHeadClassifierTests : IDisposable
{
    private readonly OneShot.Tests.Training.SingleThreadedTorch _threads = new();

    [Theory]
    [InlineData(0.1, 0.99999996144)]
    [InlineData(1.0, 0.84646064379)]
    public void Fit_ZeroSteps_PlainCosinePrototypesWithTemperedSoftmax(double temperature, double expected)
    {
        // a = mean of (1,0) and (0,1), normalised: (0.7071, 0.7071); b = (-1, 0).
        // The query (1,0) has cosine distances 0.2929 and 2, so p(a) = 1 / (1 + exp(-1.7071 / temperature)).
        using var support = Rows([2, 0], [0, 2], [-1, 0]);
        using var query = Rows([1, 0]);

        using var fitted = new CosineHeadClassifier(new CosineHeadClassifierOptions { Steps = 0, Temperature = temperature }).Fit(support, ["a", "a", "b"]);
        using var weights = fitted.GetWeights();
        var prediction = fitted.Predict(query).Single();

        Values(weights).Should().Equal(new[] { 0.70710678f, 0.70710678f, -1f, 0f }, (x, y) => Math.Abs(x - y) < 1e-6);
        prediction.Label.Should().Be("a");
        prediction.Score.Should().BeApproximately(1 - Math.Sqrt(0.5), 1e-6);
        prediction.TopK[1].Score.Should().BeApproximately(2, 1e-6);
        prediction.Probability.Should().BeApproximately(expected, 1e-6);
    }

    [Fact]
    public void Fit_SeparableDirections_ClassifiesPerfectlyAndDeterministically()
    {
        using var support = Rows([2, 0.5f], [3, -1], [-2, 0.5f], [-3, -1], [0.5f, 3], [-0.5f, 4]);
        string[] labels = ["a", "a", "b", "b", "c", "c"];
        using var queries = Rows([4, 0.2f], [-1, -0.3f], [0.1f, 2]);
        var classifier = new CosineHeadClassifier(new CosineHeadClassifierOptions { Steps = 30, LearningRate = 0.05 });

        using var first = classifier.Fit(support, labels);
        using var second = classifier.Fit(support, labels);
        using var prototypes = new CosineHeadClassifier(new CosineHeadClassifierOptions { Steps = 0 }).Fit(support, labels);
        using var w1 = first.GetWeights();
        using var w2 = second.GetWeights();
        using var w0 = prototypes.GetWeights();

        first.Predict(support).Select(p => p.Label).Should().Equal(labels);
        first.Predict(queries).Select(p => p.Label).Should().Equal("a", "b", "c");
        Values(w2).Should().Equal(Values(w1));
        Values(w1).Should().NotEqual(Values(w0), "the steps move the weights away from the prototypes");
        using var norms = w1.norm(1);
        Values(norms).Should().OnlyContain(n => Math.Abs(n - 1) < 1e-6);
    }

    [Fact]
    public void Options_InvalidValues_Throw()
    {
        FluentActions.Invoking(() => new CosineHeadClassifierOptions { Steps = -1 }).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Steps");
        FluentActions.Invoking(() => new CosineHeadClassifierOptions { Temperature = 0 }).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Temperature");
        new CosineHeadClassifierOptions().Temperature.Should().Be(0.1, "cosine distances lie in [0, 2]");
        FluentActions.Invoking(() => new CosineHeadClassifierOptions { LearningRate = double.PositiveInfinity }).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("LearningRate");
        new CosineHeadClassifierOptions().CreateClassifier().Should().BeOfType<CosineHeadClassifier>();
    }

    public void Dispose() => _threads.Dispose();
}
