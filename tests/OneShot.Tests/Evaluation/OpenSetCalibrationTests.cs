using OneShot.Classification;
using OneShot.Data;
using OneShot.Evaluation;

namespace OneShot.Tests.Evaluation;

/// <summary>Open-set threshold for a target false-accept rate, AUROC, and open-set episodes.</summary>
public sealed class OpenSetCalibrationTests
{
    [Fact]
    public void FitThreshold_SyntheticScores_MeetsTheTargetFarWithFewestRejects()
    {
        // Similarities: 100 unknowns at 0..99, 100 knowns at 50..149. At most 5% false accepts: accept similarity >= 95
        // (unknowns 95..99 accepted = 5%), which rejects the knowns 50..94 (45%).
        double[] unknown = [.. Enumerable.Range(0, 100).Select(i => (double)i)];
        double[] known = [.. Enumerable.Range(50, 100).Select(i => (double)i)];

        var fit = Calibrator.FitThreshold(known, unknown, 0.05);

        fit.Threshold.Should().Be(95);
        fit.FalseAcceptRate.Should().Be(0.05);
        fit.FalseRejectRate.Should().Be(0.45);
    }

    [Fact]
    public void Auroc_HandComputed()
    {
        // Pairs (known, unknown): 3 > 1, 3 > 2, 2 = 2 (half), 2 > 1 -> 3.5 of 4.
        OpenSetScores.Auroc([3.0, 2.0], [1.0, 2.0]).Should().Be(0.875);
        OpenSetScores.Auroc([5.0, 6.0], [1.0, 2.0]).Should().Be(1.0);
        OpenSetScores.Auroc([1.0], [1.0]).Should().Be(0.5);
    }

    [Fact]
    public void Evaluate_OpenSetEpisodes_FarAndFrrAtTheThreshold()
    {
        // Class c: items at c*10 (one-dimensional), so each query is at distance 0 from its own prototype and at least
        // 100 (squared) from any other. With threshold 50 every known query is accepted and every unknown rejected.
        var items = Enumerable.Range(0, 8).Select(c => Enumerable.Repeat(c * 10f, 4).ToArray()).ToList();
        using var data = InMemoryClassDataset.FromArrays(items, (1, 1, 1));
        using var embedder = new OneShot.Tests.Galleries.FlattenEmbedder(height: 1, width: 1);
        var options = new EpisodeEvaluationOptions
        {
            Way = 3, Shot = 1, Query = 2, Episodes = 10, UnknownWay = 2,
            Classifier = new PrototypeClassifierOptions { UnknownThreshold = 50 },
        };

        var result = new EpisodeEvaluator(options).Evaluate(embedder, data);

        result.Accuracy.Should().Be(1.0);
        result.OpenSet.Should().Be(new OpenSetResult(1.0, 60, 40, 50, 0.0, 0.0));
        result.Calibration!.Count.Should().Be(60);
    }

    [Fact]
    public void FitUnknownThreshold_SeparatedClasses_ThresholdBetweenKnownAndUnknownDistances()
    {
        var items = Enumerable.Range(0, 8).Select(c => Enumerable.Repeat(c * 10f, 4).ToArray()).ToList();
        using var data = InMemoryClassDataset.FromArrays(items, (1, 1, 1));
        using var embedder = new OneShot.Tests.Galleries.FlattenEmbedder(height: 1, width: 1);
        var options = new EpisodeEvaluationOptions { Way = 3, Shot = 1, Query = 2, Episodes = 10 };

        var fit = Calibrator.FitUnknownThreshold(embedder, data, options, 0.05, "synthetic");

        // Known best distances are 0, unknown ones at least 100: the lowest threshold with no false accept is 0.
        fit.Threshold.Should().Be(0);
        fit.FalseAcceptRate.Should().Be(0);
        fit.FalseRejectRate.Should().Be(0);
        fit.Auroc.Should().Be(1.0);
        fit.Classifier.Should().Be("prototype");
    }
}
