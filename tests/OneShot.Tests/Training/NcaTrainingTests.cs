using OneShot.Classification;
using OneShot.Data;
using OneShot.Evaluation;
using OneShot.QuickStart;
using OneShot.Serialization;
using OneShot.Tests.Cli;
using OneShot.Training;
using static TorchSharp.torch;

namespace OneShot.Tests.Training;

/// <summary>
/// NCA over the whole episode (<see cref="EpisodeLoss.Nca"/>, Laenen &amp; Bertinetto 2021): the loss against its
/// definition, its refusals, the recipe, that it trains, and <c>oneshot train --loss</c>.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class NcaTrainingTests : IDisposable
{
    private readonly SingleThreadedTorch _threads = new();
    private readonly string _root = TestPaths.NewTempFolder("oneshot-nca");

    public void Dispose()
    {
        _threads.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.5)]
    public void Nca_EqualsItsDefinitionComputedInDoubles(double temperature)
    {
        long[] labels = [0, 0, 1, 1, 2, 2, 2, 0];
        var random = new Random(3);
        double[][] x = [.. labels.Select(_ => Enumerable.Range(0, 5).Select(_ => random.NextDouble() * 2 - 1).ToArray())];
        using var embeddings = tensor(x.SelectMany(r => r.Select(v => (float)v)).ToArray(), [labels.Length, 5]);
        using var labelTensor = tensor(labels);

        using var loss = PrototypicalLoss.Nca(embeddings, labelTensor, DistanceMetric.SquaredEuclidean, temperature);

        double expected = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            double all = 0, same = 0;
            for (int j = 0; j < labels.Length; j++)
            {
                if (j == i)
                {
                    continue;
                }

                double d = x[i].Zip(x[j]).Sum(p => (p.First - p.Second) * (p.First - p.Second));
                all += Math.Exp(-d / temperature);
                same += labels[j] == labels[i] ? Math.Exp(-d / temperature) : 0;
            }

            expected += -Math.Log(same / all) / labels.Length;
        }

        ((double)loss.item<float>()).Should().BeApproximately(expected, 1e-5);
    }

    [Fact]
    public void Nca_IsNearZeroForTightSeparatedClasses_AndLargeWhenTheLabelsAreCrossed()
    {
        using var embeddings = tensor(new float[] { 0, 0, 0.1f, 0, 10, 0, 10.1f, 0 }, [4, 2]);
        using var right = tensor(new long[] { 0, 0, 1, 1 });
        using var crossed = tensor(new long[] { 0, 1, 0, 1 });

        using var good = PrototypicalLoss.Nca(embeddings, right);
        using var bad = PrototypicalLoss.Nca(embeddings, crossed);

        ((double)good.item<float>()).Should().BeLessThan(1e-6, "every neighbour of an image is its own class's other image, 0.01 away against 100");
        ((double)bad.item<float>()).Should().BeApproximately(100 - 0.01 + Math.Log(1 + Math.Exp(-100 + 0.01)), 1e-3, "the same-class image is the far one");
    }

    [Fact]
    public void Nca_ALabelWithOneImage_ThrowsSayingEveryImageNeedsAnother()
    {
        using var embeddings = zeros(3, 4);
        using var labels = tensor(new long[] { 0, 0, 1 });

        var act = () => PrototypicalLoss.Nca(embeddings, labels);

        act.Should().Throw<ArgumentException>().WithMessage("*at least one other image of its class*");
    }

    [Fact]
    public void Options_LossDefaultsToPrototypical_NcaIsPartOfTheRecipe_AndRefusesTheOpenSetTerm()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 6);
        using var embedder = SyntheticClasses.TinyConv4();
        var withOpenSet = () => new PrototypicalTrainer(new PrototypicalTrainerOptions { Way = 3, Query = 2, Episodes = 1, Loss = EpisodeLoss.Nca, OpenSetWay = 2 }).Train(embedder, data);

        new PrototypicalTrainerOptions().Loss.Should().Be(EpisodeLoss.Prototypical);
        new PrototypicalTrainerOptions().ToRecipeString().Should().NotContain("loss", "checkpoints of runs without it still resume");
        (new PrototypicalTrainerOptions() with { Loss = EpisodeLoss.Nca }).ToRecipeString().Should().EndWith(";loss=Nca");
        withOpenSet.Should().Throw<ArgumentException>().WithMessage("OpenSetWay 2 needs the prototypical loss; Loss is Nca*").WithParameterName("Loss");
    }

    [Theory]
    [InlineData(EpisodeLoss.Nca)]
    [InlineData(EpisodeLoss.Prototypical)]
    public void Train_LearnsEmbeddingsThatClassifyUnseenClassesByPrototype(EpisodeLoss loss)
    {
        // Generated glyph classes (random strokes, each drawing jittered); trained on 16, evaluated on 8 others.
        var preprocessing = new ImagePreprocessing { Color = ColorMode.Grayscale, Width = 28, Height = 28, Invert = true };
        var images = GlyphTask.RenderBackground(new ImageLoader(preprocessing), classes: 24, drawings: 8, seed: 5);
        using var train = InMemoryClassDataset.FromArrays(images.Take(16).ToList(), (1, 28, 28), scale: 1f);
        using var test = InMemoryClassDataset.FromArrays(images.Skip(16).ToList(), (1, 28, 28), scale: 1f);
        using var embedder = SyntheticClasses.TinyConv4(seed: 4);
        var evaluation = new EpisodeEvaluationOptions { Way = 5, Shot = 1, Query = 3, Episodes = 100, Seed = 3 };
        double before = new EpisodeEvaluator(evaluation).Evaluate(embedder, test).Accuracy;
        var options = new PrototypicalTrainerOptions { Way = 8, Shot = 1, Query = 3, Episodes = 80, LearningRate = 5e-3, Loss = loss, Seed = 1 };

        var result = new PrototypicalTrainer(options).Train(embedder, train);
        double after = new EpisodeEvaluator(evaluation).Evaluate(embedder, test).Accuracy;

        result.EpisodesRun.Should().Be(80);
        after.Should().BeGreaterThan(before + 0.07, "untrained, 5-way 1-shot on unseen glyphs scores {0:P1}", before);
    }

    [Fact]
    public void Train_Nca_IsPartOfTheRecipe_SoAPrototypicalCheckpointIsRefused()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 10, perClass: 6);
        using var embedder = SyntheticClasses.TinyConv4();
        string dir = Path.Combine(_root, "checkpoint");
        var plain = new PrototypicalTrainerOptions { Way = 4, Shot = 1, Query = 2, Episodes = 2, CheckpointPath = dir, Seed = 1 };

        new PrototypicalTrainer(plain).Train(embedder, data);
        var nca = () => new PrototypicalTrainer(plain with { Episodes = 4, Loss = EpisodeLoss.Nca }).Train(embedder, data);

        nca.Should().Throw<OneShotException>().WithMessage("*this run has '*;loss=Nca*");
    }

    [Fact]
    public void Cli_TrainLossNca_RecordsItInTheModel_AndBadValuesAreUsageErrors()
    {
        var (_, data) = GlyphTask.WriteTask(_root, classes: 8, queries: 3, seed: 5);
        string[] Train(string output, params string[] extra) => [
            "train", "--data", data, "--way", "3", "--shot", "1", "--query", "2", "--episodes", "2", "--seed", "3",
            "--threads", "1", "--widths", "8,8,8,8", "--out", output, .. extra];
        string model = Path.Combine(_root, "nca"), refused = Path.Combine(_root, "refused");

        var (code, _, error) = CliRunner.Invoke(Train(model, "--loss", "nca"));
        var (unknownCode, _, unknownError) = CliRunner.Invoke(Train(refused, "--loss", "triplet"));
        var (openSetCode, _, openSetError) = CliRunner.Invoke(Train(refused, "--loss", "NCA", "--open-set-way", "2"));

        code.Should().Be(0, error);
        ModelFile.ReadMetadata(model).TrainingInfo["loss"].Should().Be("nca");
        unknownCode.Should().Be(1);
        unknownError.Should().Contain("--loss: expected prototypical or nca; got 'triplet'");
        openSetCode.Should().Be(1);
        openSetError.Should().Contain("--loss nca cannot be combined with --open-set-way 2");
        File.Exists(Path.Combine(refused, "model.json")).Should().BeFalse();
    }
}
