using OneShot.Classification;
using OneShot.Data;
using OneShot.Evaluation;
using OneShot.QuickStart;
using OneShot.Training;

namespace OneShot.Tests.Training;

/// <summary>Open-set training (<see cref="PrototypicalTrainerOptions.OpenSetWay"/>): episodes, recipe and effect.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class OpenSetTrainingTests : IDisposable
{
    private readonly SingleThreadedTorch _threads = new();

    public void Dispose() => _threads.Dispose();

    private static PrototypicalTrainerOptions Small(int episodes, int openSetWay = 0) => new()
    {
        Way = 5,
        Shot = 1,
        Query = 4,
        Episodes = episodes,
        LearningRate = 5e-3,
        OpenSetWay = openSetWay,
        Seed = 1,
    };

    [Fact]
    public void Options_NegativeWayOrNonPositiveWeight_AreRangeErrors_AndDefaultsAreOff()
    {
        var negative = () => new PrototypicalTrainerOptions { OpenSetWay = -1 };
        var zeroWeight = () => new PrototypicalTrainerOptions { OpenSetWeight = 0 };
        var nanWeight = () => new PrototypicalTrainerOptions { OpenSetWeight = double.NaN };

        negative.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("OpenSetWay");
        zeroWeight.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("OpenSetWeight");
        nanWeight.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("OpenSetWeight");
        new PrototypicalTrainerOptions().OpenSetWay.Should().Be(0);
        new PrototypicalTrainerOptions().ToRecipeString().Should().NotContain("openset", "checkpoints of runs without it still resume");
        (new PrototypicalTrainerOptions() with { OpenSetWay = 3, OpenSetWeight = 0.5 }).ToRecipeString().Should().EndWith(";openset=3,0.5");
    }

    [Fact]
    public void Train_OpenSetWay_DrawsTheExtraClasses_AndNeedsEnoughOfThem()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 6);
        using var embedder = SyntheticClasses.TinyConv4();
        var recording = new RecordingClassLoads(data);

        new PrototypicalTrainer(Small(3, openSetWay: 2)).Train(embedder, recording);
        var tooFew = () => new PrototypicalTrainer(Small(1, openSetWay: 4)).Train(embedder, data);

        recording.ClassesLoaded.Should().HaveCount(3 * 7, "every episode reads 5 known and 2 unknown classes once each");
        tooFew.Should().Throw<ArgumentException>().WithMessage("*9-way episodes need at least 9 classes; the dataset has 8*");
    }

    [Fact]
    public void Train_OpenSetWay_SeparatesKnownFromUnknownQueriesBetterThanThePlainRecipe()
    {
        // Generated glyph classes (random strokes, each drawing jittered), 4-way 1-shot episodes with 4 unknown classes
        // drawn from the training classes: the AUROC of the best prototype distance (known queries nearer). This checks
        // that the term is wired to what it should optimise (a flipped sign lowers it); on unseen classes the effect is
        // measured on Omniglot (docs/ACCURACY.md), where 24 classes and 80 steps are too few to show it.
        var preprocessing = new ImagePreprocessing { Color = ColorMode.Grayscale, Width = 28, Height = 28, Invert = true };
        var images = GlyphTask.RenderBackground(new ImageLoader(preprocessing), classes: 24, drawings: 8, seed: 5);
        using var train = InMemoryClassDataset.FromArrays(images, (1, 28, 28), scale: 1f);

        double Auroc(int openSetWay)
        {
            using var embedder = SyntheticClasses.TinyConv4(seed: 4);
            new PrototypicalTrainer(Small(80, openSetWay)).Train(embedder, train);
            var options = new EpisodeEvaluationOptions
            {
                Way = 4, Shot = 1, Query = 4, Episodes = 60, UnknownWay = 4, Seed = 3,
                Classifier = new PrototypeClassifierOptions { UnknownThreshold = 1e6 },
            };
            return new EpisodeEvaluator(options).Evaluate(embedder, train).OpenSet!.Auroc;
        }

        double plain = Auroc(0);
        double openSet = Auroc(4);

        openSet.Should().BeGreaterThan(plain + 0.03, "the plain recipe gives AUROC {0:F3}", plain);
    }

    [Fact]
    public void Train_OpenSetWay_IsPartOfTheRecipe_SoACheckpointOfAnotherSettingIsRefused()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 10, perClass: 6);
        using var embedder = SyntheticClasses.TinyConv4();
        string dir = TestPaths.NewTempFolder("oneshot-openset-recipe");

        new PrototypicalTrainer(Small(2, openSetWay: 2) with { CheckpointPath = dir }).Train(embedder, data);
        var other = () => new PrototypicalTrainer(Small(4, openSetWay: 3) with { CheckpointPath = dir }).Train(embedder, data);
        var same = new PrototypicalTrainer(Small(4, openSetWay: 2) with { CheckpointPath = dir }).Train(embedder, data);

        other.Should().Throw<OneShotException>().WithMessage("*this run has '*;openset=3,1*");
        same.StartEpisode.Should().Be(2, "the same recipe resumes");
    }

    /// <summary>Counts the class reads of the trainer (the sampler reads each class of an episode once).</summary>
    private sealed class RecordingClassLoads(IClassDataset inner) : IClassDataset
    {
        public List<int> ClassesLoaded { get; } = [];

        public IReadOnlyList<string> Classes => inner.Classes;

        public (int Channels, int Height, int Width) ItemShape => inner.ItemShape;

        public int CountOf(int classIndex) => inner.CountOf(classIndex);

        public TorchSharp.torch.Tensor Load(int classIndex, IReadOnlyList<int> items)
        {
            ClassesLoaded.Add(classIndex);
            return inner.Load(classIndex, items);
        }
    }
}
