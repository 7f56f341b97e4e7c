using OneShot.Classification;
using OneShot.Evaluation;
using OneShot.Tests.Training;
using OneShot.Training;
using OneShot.Verification;
using static TorchSharp.torch;

namespace OneShot.Tests.Evaluation;

/// <summary>The evaluator measures any few-shot method through <see cref="IFewShotClassifier"/>.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class EpisodeEvaluatorClassifierTests : IDisposable
{
    private readonly SingleThreadedTorch _threads = new();

    public void Dispose() => _threads.Dispose();

    [Fact]
    public void Evaluate_DefaultPrototype_EqualsNearestMeanArgmaxOnTheSameEpisodes()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 10, perClass: 12, noise: 0.15);
        using var embedder = SyntheticClasses.TinyConv4();
        var options = new EpisodeEvaluationOptions { Episodes = 25, Shot = 2, Query = 4, Seed = 3, EmbedAllOnce = false };
        var sampler = new EpisodeSampler(data, options.Way, options.Shot, options.Query);
        double expected = 0;
        for (int e = 0; e < options.Episodes; e++)
        {
            using var scope = NewDisposeScope();
            using var episode = sampler.Sample(options.Seed, e);
            var support = embedder.Embed(episode.Support);
            var query = embedder.Embed(episode.Query);
            var prototypes = support.view(options.Way, options.Shot, -1).mean([1]);
            var predicted = PrototypicalLoss.Logits(query, prototypes).argmax(1);
            expected += predicted.eq(episode.QueryLabels).sum().item<long>() / (double)(options.Way * options.Query);
        }

        var result = new EpisodeEvaluator(options).Evaluate(embedder, data);

        result.Accuracy.Should().BeApproximately(expected / options.Episodes, 1e-12, "the prototype figures are those of the nearest-mean argmax");
        result.Accuracy.Should().BeInRange(0.3, 0.97, "the case needs errors to compare");
        result.Classifier.Should().Be(new PrototypeClassifierOptions());
    }

    [Theory]
    [InlineData("knn")]
    [InlineData("probe")]
    [InlineData("cosine-head")]
    [InlineData("siamese")]
    public void Evaluate_OtherMethods_SeparateEasyClasses(string method)
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 12, perClass: 10, noise: 0.02);
        using var embedder = SyntheticClasses.TinyConv4();
        ClassifierOptions classifier = method switch
        {
            "knn" => new KNearestNeighborOptions { K = 1 },
            "probe" => new LinearProbeClassifierOptions { Steps = 50 },
            "cosine-head" => new CosineHeadClassifierOptions { Steps = 10 },
            _ => new SiameseClassifierOptions(),
        };

        var result = new EpisodeEvaluator(new EpisodeEvaluationOptions { Episodes = 10, Query = 5, Classifier = classifier }).Evaluate(embedder, data);

        result.Classifier.Should().BeSameAs(classifier);
        result.Accuracy.Should().BeGreaterThan(0.6, "5-way chance is 0.2 and the classes are nearly noise-free (an untrained embedder, though)");
    }

    [Fact]
    public void Evaluate_OpenSetRejection_CountsAsWrong()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 12, perClass: 10, noise: 0.02);
        using var embedder = SyntheticClasses.TinyConv4();
        var rejectAll = new PrototypeClassifierOptions { UnknownThreshold = 0 };

        var result = new EpisodeEvaluator(new EpisodeEvaluationOptions { Episodes = 5, Query = 3, Classifier = rejectAll }).Evaluate(embedder, data);

        result.Accuracy.Should().Be(0);
    }
}
