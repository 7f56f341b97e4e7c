using OneShot.Classification;
using OneShot.Evaluation;
using OneShot.Tests.Training;
using OneShot.Training;
using TorchSharp;

namespace OneShot.Tests.Evaluation;

[Collection(TorchGlobalState.Name)]
public sealed class EpisodeEvaluatorTests : IDisposable
{
    private readonly SingleThreadedTorch _threads = new();

    public void Dispose() => _threads.Dispose();

    [Fact]
    public void Evaluate_TriviallySeparableClasses_IsNearlyPerfect()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 12, perClass: 20, noise: 0.02);
        using var embedder = SyntheticClasses.TinyConv4();

        var result = new EpisodeEvaluator(new EpisodeEvaluationOptions { Episodes = 100 }).Evaluate(embedder, data);

        result.Accuracy.Should().BeGreaterThan(0.99);
        result.Episodes.Should().Be(100);
        result.Way.Should().Be(5);
        result.Shot.Should().Be(1);
        result.Query.Should().Be(15);
        result.Seed.Should().Be(1);
    }

    [Fact]
    public void Evaluate_LabelsCarryNoInformation_IsNearChance()
    {
        using var data = SyntheticClasses.Noise(classes: 20, perClass: 20);
        using var embedder = SyntheticClasses.TinyConv4();

        var result = new EpisodeEvaluator(new EpisodeEvaluationOptions { Episodes = 300 }).Evaluate(embedder, data);

        result.Accuracy.Should().BeInRange(0.15, 0.25, "chance is 0.2 for 5-way");
        result.Ci95.Should().BeInRange(0.002, 0.02, "1.96 * sd(per-episode accuracy, about 0.046) / sqrt(300) is about 0.005");
    }

    [Fact]
    public void Evaluate_EmbedOnceOrPerEpisode_GiveTheSameAccuracy()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 10, perClass: 20, noise: 0.15);
        using var embedder = SyntheticClasses.TinyConv4();
        var options = new EpisodeEvaluationOptions { Episodes = 20, Shot = 2, Query = 5, Seed = 4 };

        var once = new EpisodeEvaluator(options with { EmbedAllOnce = true }).Evaluate(embedder, data);
        var perEpisode = new EpisodeEvaluator(options with { EmbedAllOnce = false }).Evaluate(embedder, data);

        once.Accuracy.Should().BeInRange(0.3, 0.99, "the test needs a case with errors to compare");
        perEpisode.Accuracy.Should().BeApproximately(once.Accuracy, 0.005);
    }

    [Fact]
    public void Evaluate_SameSeed_SameResult_OtherSeedDiffers()
    {
        using var data = SyntheticClasses.Noise(classes: 20, perClass: 20);
        using var embedder = SyntheticClasses.TinyConv4();
        var options = new EpisodeEvaluationOptions { Episodes = 50 };

        var a = new EpisodeEvaluator(options).Evaluate(embedder, data);
        var b = new EpisodeEvaluator(options).Evaluate(embedder, data);
        var c = new EpisodeEvaluator(options with { Seed = 2 }).Evaluate(embedder, data);

        b.Accuracy.Should().Be(a.Accuracy);
        b.Ci95.Should().Be(a.Ci95);
        c.Accuracy.Should().NotBe(a.Accuracy);
    }

    [Fact]
    public void Evaluate_Progress_ReportsEveryEpisodeWithRunningMean()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 12, perClass: 20, noise: 0.02);
        using var embedder = SyntheticClasses.TinyConv4();
        var progress = new RecordingProgress<EvaluationProgress>();

        var result = new EpisodeEvaluator(new EpisodeEvaluationOptions { Episodes = 10 }).Evaluate(embedder, data, progress);

        progress.Reports.Select(r => r.Episode).Should().Equal(Enumerable.Range(1, 10));
        progress.Reports[^1].MeanAccuracy.Should().BeApproximately(result.Accuracy, 1e-12);
        progress.Reports[^1].Eta.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void Evaluate_RepeatedCalls_LeaveNoLiveTensors()
    {
        using var data = SyntheticClasses.Noise(classes: 20, perClass: 20);
        using var embedder = SyntheticClasses.TinyConv4();
        var options = new EpisodeEvaluationOptions { Episodes = 10 };
        new EpisodeEvaluator(options).Evaluate(embedder, data);
        new EpisodeEvaluator(options with { EmbedAllOnce = false }).Evaluate(embedder, data);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        new EpisodeEvaluator(options).Evaluate(embedder, data);
        new EpisodeEvaluator(options with { EmbedAllOnce = false }).Evaluate(embedder, data);

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void Evaluate_TooFewClasses_ThrowsSamplerError()
    {
        using var data = SyntheticClasses.Noise(classes: 3, perClass: 20);
        using var embedder = SyntheticClasses.TinyConv4();

        var act = () => new EpisodeEvaluator().Evaluate(embedder, data);

        act.Should().Throw<ArgumentException>().WithMessage("5-way episodes need at least 5 classes; the dataset has 3.*");
    }

    [Fact]
    public void Evaluate_Cancelled_Throws()
    {
        using var data = SyntheticClasses.Noise(classes: 20, perClass: 20);
        using var embedder = SyntheticClasses.TinyConv4();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        var act = () => new EpisodeEvaluator().Evaluate(embedder, data, cancellationToken: cts.Token);

        act.Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void Describe_NamesDatasetSplitProtocolAndSeed()
    {
        var result = new EvaluationResult(0.98137, 0.00172, 0.05, 5, 1, 15, 1000, 1, new PrototypeClassifierOptions(), TimeSpan.FromSeconds(3));

        result.Describe("omniglot", "test").Should().Be("omniglot/test: 5-way 1-shot, 15 queries/class, 1000 episodes, seed 1: 98.14% ± 0.17% (95% CI)");
    }
}
