using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Evaluation;
using OneShot.Training;
using TorchSharp;
using Xunit.Abstractions;

namespace OneShot.Tests.Training;

/// <summary>A short, real prototypical-network training run on Omniglot (needs ../shared/data; slow).</summary>
[Collection(TorchGlobalState.Name)]
public sealed class OmniglotTrainingTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", TestPaths.SharedDataTrait)]
    [Trait("Category", TestPaths.SlowTrait)]
    public void Train_ShortRunOnVinyalsTrain_Reaches90PercentFiveWayOneShotOnTest()
    {
        var train = OmniglotDataset.Open(TestPaths.Omniglot, new OmniglotOptions { Split = OmniglotSplit.Train });
        var test = OmniglotDataset.Open(TestPaths.Omniglot, new OmniglotOptions { Split = OmniglotSplit.Test });
        torch.manual_seed(7);
        using var embedder = Embedder.Create(new EmbedderOptions
        {
            Preprocessing = new ImagePreprocessing { Width = 28, Height = 28, Invert = true },
            Device = DeviceChoice.Cpu,
        });

        var trainer = new PrototypicalTrainer(new PrototypicalTrainerOptions
        {
            Way = 30,
            Shot = 1,
            Query = 5,
            Episodes = 400,
            LrStepEpisodes = 200,
            Seed = 7,
        });
        var training = trainer.Train(embedder, train);
        var result = new EpisodeEvaluator(new EpisodeEvaluationOptions { Way = 5, Shot = 1, Query = 15, Episodes = 300, Seed = 1 })
            .Evaluate(embedder, test);

        output.WriteLine($"trained {training.EpisodesRun} episodes in {training.WallTime.TotalSeconds:F0} s; {result.Describe("omniglot", "test")}");
        result.Accuracy.Should().BeGreaterThan(0.90, "ProtoNet on Omniglot passes 90% 5-way 1-shot after a few hundred episodes");
        result.Ci95.Should().BeInRange(0.0001, 0.02);
    }
}
