using OneShot.Data;
using OneShot.Training;
using TorchSharp;

namespace OneShot.Tests.Training;

[Collection(TorchGlobalState.Name)]
public sealed class PrototypicalTrainerTests : IDisposable
{
    private readonly SingleThreadedTorch _threads = new();

    public void Dispose() => _threads.Dispose();

    private static PrototypicalTrainerOptions Small(int episodes, int seed = 1) => new()
    {
        Way = 5,
        Shot = 1,
        Query = 5,
        Episodes = episodes,
        LearningRate = 5e-3,
        ValidationWay = 3,
        ValidationQuery = 5,
        Seed = seed,
    };

    [Fact]
    public void Train_NoisyPrototypes_LossFallsAndAccuracyRisesWellAboveChance()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 10, perClass: 20, noise: 0.5);
        using var embedder = SyntheticClasses.TinyConv4();
        var progress = new RecordingProgress<TrainingProgress>();

        var result = new PrototypicalTrainer(Small(80)).Train(embedder, data, progress: progress);

        var reports = progress.Reports;
        reports.Select(r => r.Episode).Should().Equal(Enumerable.Range(1, 80));
        double firstLoss = reports.Take(10).Average(r => r.Loss);
        double lastLoss = reports.TakeLast(10).Average(r => r.Loss);
        lastLoss.Should().BeLessThan(firstLoss * 0.5, "first ten episodes averaged {0:F3}", firstLoss);
        reports.TakeLast(10).Average(r => r.Accuracy).Should().BeGreaterThan(0.8, "chance is 0.2 for 5-way");
        result.EpisodesRun.Should().Be(80);
        result.StartEpisode.Should().Be(0);
        result.StoppedEarly.Should().BeFalse();
        result.BestEpisode.Should().BeNull("there was no validation set");
        embedder.Network.training.Should().BeFalse("the trainer leaves the network in evaluation mode");
    }

    [Fact]
    public void Train_SameSeed_IdenticalLossesAndWeights_OtherSeedDiffers()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10);

        (double[] Losses, Dictionary<string, float[]> Weights) Run(int seed)
        {
            using var embedder = SyntheticClasses.TinyConv4(seed: 3);
            var progress = new RecordingProgress<TrainingProgress>();
            new PrototypicalTrainer(Small(8, seed)).Train(embedder, data, progress: progress);
            return (progress.Reports.Select(r => r.Loss).ToArray(), SyntheticClasses.Weights(embedder));
        }

        var a = Run(5);
        var b = Run(5);
        var c = Run(6);

        b.Losses.Should().Equal(a.Losses);
        foreach (var (name, values) in a.Weights)
        {
            b.Weights[name].Should().Equal(values, "weights {0} must match bit for bit", name);
        }

        c.Losses.Should().NotEqual(a.Losses);
    }

    [Fact]
    public void Train_TwoThreads_SameSeedGivesIdenticalLosses()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10);
        int previous = torch.get_num_threads();
        torch.set_num_threads(2);
        try
        {
            double[] Run()
            {
                using var embedder = SyntheticClasses.TinyConv4(seed: 3);
                var progress = new RecordingProgress<TrainingProgress>();
                new PrototypicalTrainer(Small(4)).Train(embedder, data, progress: progress);
                return progress.Reports.Select(r => r.Loss).ToArray();
            }

            Run().Should().Equal(Run());
        }
        finally
        {
            torch.set_num_threads(previous);
        }
    }

    [Fact]
    public void Train_ResumedAfterCancellation_ContinuesExactlyLikeAnUninterruptedRun()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10);
        using var validation = SyntheticClasses.NoisyPrototypes(classes: 6, perClass: 10, seed: 99);
        string root = TestPaths.NewTempFolder("oneshot-resume");
        var options = Small(12) with { ValidationInterval = 4, ValidationEpisodes = 3, CheckpointInterval = 100 };

        using var straight = SyntheticClasses.TinyConv4(seed: 3);
        var straightProgress = new RecordingProgress<TrainingProgress>();
        var straightResult = new PrototypicalTrainer(options with { CheckpointPath = Path.Combine(root, "a") })
            .Train(straight, data, validation, straightProgress);

        using var cts = new CancellationTokenSource();
        using var interrupted = SyntheticClasses.TinyConv4(seed: 3);
        var firstHalf = new RecordingProgress<TrainingProgress>(p =>
        {
            if (p.Episode == 6)
            {
                cts.Cancel();
            }
        });
        var trainer = new PrototypicalTrainer(options with { CheckpointPath = Path.Combine(root, "b") });
        var cancelled = () => trainer.Train(interrupted, data, validation, firstHalf, cts.Token);
        cancelled.Should().Throw<OperationCanceledException>();
        File.Exists(Path.Combine(root, "b", "training.ckpt")).Should().BeTrue();

        using var resumed = SyntheticClasses.TinyConv4(seed: 4);
        var secondHalf = new RecordingProgress<TrainingProgress>();
        var resumedResult = trainer.Train(resumed, data, validation, secondHalf);

        resumedResult.StartEpisode.Should().Be(6);
        resumedResult.EpisodesRun.Should().Be(12);
        firstHalf.Reports.Concat(secondHalf.Reports).Select(r => r.Loss).Should().Equal(straightProgress.Reports.Select(r => r.Loss));
        secondHalf.Reports.Where(r => r.ValidationLoss is not null).Select(r => r.ValidationLoss)
            .Should().Equal(straightProgress.Reports.Where(r => r.Episode > 6 && r.ValidationLoss is not null).Select(r => r.ValidationLoss));
        resumedResult.BestEpisode.Should().Be(straightResult.BestEpisode);
        resumedResult.BestValidationLoss.Should().Be(straightResult.BestValidationLoss);
        var expected = SyntheticClasses.Weights(straight);
        foreach (var (name, values) in SyntheticClasses.Weights(resumed))
        {
            values.Should().Equal(expected[name], "weights {0} must match bit for bit", name);
        }
    }

    [Fact]
    public void Train_Cancelled_LeavesCheckpointThatResumesAtThatEpisode()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10);
        string file = Path.Combine(TestPaths.NewTempFolder("oneshot-cancel"), "run.ckpt");
        using var cts = new CancellationTokenSource();
        using var embedder = SyntheticClasses.TinyConv4();
        var trainer = new PrototypicalTrainer(Small(50) with { CheckpointPath = file });
        var progress = new RecordingProgress<TrainingProgress>(p =>
        {
            if (p.Episode == 3)
            {
                cts.Cancel();
            }
        });

        var act = () => trainer.Train(embedder, data, progress: progress, cancellationToken: cts.Token);

        act.Should().Throw<OperationCanceledException>();
        progress.Reports.Should().HaveCount(3);
        File.Exists(file).Should().BeTrue();
        var resumed = new PrototypicalTrainer(trainer.Options with { Episodes = 4 }).Train(embedder, data);
        resumed.StartEpisode.Should().Be(3);
        resumed.EpisodesRun.Should().Be(4);
    }

    [Fact]
    public void Train_ManySteps_LiveTensorCountStaysFlat()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10);
        using var validation = SyntheticClasses.NoisyPrototypes(classes: 6, perClass: 10, seed: 5);
        using var embedder = SyntheticClasses.TinyConv4();
        var live = new List<long>();
        var progress = new RecordingProgress<TrainingProgress>(_ => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));
        var options = Small(30) with { ValidationInterval = 5, ValidationEpisodes = 2 };

        new PrototypicalTrainer(options).Train(embedder, data, validation, progress);

        live.Skip(5).Should().AllBeEquivalentTo(live[5], "episodes 6..30 must not leak tensors (counts: {0})", string.Join(",", live));
    }

    [Fact]
    public void Train_LrStep_HalvesTheLearningRateEveryStep()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10);
        using var embedder = SyntheticClasses.TinyConv4();
        var progress = new RecordingProgress<TrainingProgress>();

        new PrototypicalTrainer(Small(7) with { LearningRate = 1e-3, LrStepEpisodes = 3, LrGamma = 0.5 }).Train(embedder, data, progress: progress);

        progress.Reports.Select(r => r.LearningRate).Should().Equal(1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 2.5e-4);
    }

    [Fact]
    public void Train_CosineSchedule_AnnealsFromTheInitialRateTowardsZero()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10);
        using var embedder = SyntheticClasses.TinyConv4();
        var progress = new RecordingProgress<TrainingProgress>();

        new PrototypicalTrainer(Small(8) with { LearningRate = 1e-3, LrSchedule = LearningRateSchedule.Cosine, LrStepEpisodes = 1 }).Train(embedder, data, progress: progress);

        var rates = progress.Reports.Select(r => r.LearningRate).ToArray();
        rates.Should().HaveCount(8);
        rates[0].Should().Be(1e-3);
        rates[4].Should().BeApproximately(0.5e-3, 1e-12, "halfway through, cos(pi/2) = 0");
        rates[7].Should().BeApproximately(1e-3 * (1 + Math.Cos(Math.PI * 7 / 8)) / 2, 1e-12);
        rates.Should().BeInDescendingOrder("LrStepEpisodes is ignored by the cosine schedule");
    }

    [Fact]
    public void Train_WithAugmentation_ReproducibleForASeed_AndNotTheUnaugmentedRun()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10);
        var augmentation = new AffineAugmentationOptions { RotationDegrees = 15, ShearDegrees = 10, ScaleMin = 0.9, ScaleMax = 1.1, TranslateFraction = 0.1 };

        double[] Run(AffineAugmentationOptions? options)
        {
            using var embedder = SyntheticClasses.TinyConv4(seed: 3);
            var progress = new RecordingProgress<TrainingProgress>();
            new PrototypicalTrainer(Small(6) with { Augmentation = options }).Train(embedder, data, progress: progress);
            return progress.Reports.Select(r => r.Loss).ToArray();
        }

        var plain = Run(null);
        var identity = Run(AffineAugmentationOptions.Identity);
        var a = Run(augmentation);
        var b = Run(augmentation);

        identity.Should().Equal(plain, "identity ranges change no image");
        b.Should().Equal(a, "the distortions come from a generator derived from (seed, episode)");
        a[0].Should().NotBe(plain[0], "the first episode already sees distorted images");
    }

    [Fact]
    public void Train_CheckpointWithoutAugmentation_RefusesAnAugmentedOrCosineResume()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10);
        string dir = TestPaths.NewTempFolder("oneshot-recipe");
        using var embedder = SyntheticClasses.TinyConv4();
        new PrototypicalTrainer(Small(2) with { CheckpointPath = dir }).Train(embedder, data);

        var augmented = () => new PrototypicalTrainer(Small(4) with { CheckpointPath = dir, Augmentation = new AffineAugmentationOptions() }).Train(embedder, data);
        var cosine = () => new PrototypicalTrainer(Small(4) with { CheckpointPath = dir, LrSchedule = LearningRateSchedule.Cosine }).Train(embedder, data);

        augmented.Should().Throw<OneShotException>().WithMessage("*this run has '*;augment=10,17,0.8,1.2,0.01904761904761905*");
        cosine.Should().Throw<OneShotException>().WithMessage("*this run has '*;schedule=Cosine;episodes=4*");
        new PrototypicalTrainer(Small(4) with { CheckpointPath = dir }).Train(embedder, data).StartEpisode.Should().Be(2, "the unchanged recipe still resumes");
    }

    [Fact]
    public void Train_WithinGroupFraction_DrawsThatShareOfEpisodesFromOneGroup_AndZeroIsThePlainRun()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 10, perClass: 10);
        string[] groups = [.. Enumerable.Range(0, 10).Select(c => c < 5 ? "even-script" : "odd-script")];

        (double[] Losses, List<int[]> Episodes) Run(double fraction)
        {
            var recording = new RecordingDataset(data, way: 5);
            using var embedder = SyntheticClasses.TinyConv4(seed: 3);
            var progress = new RecordingProgress<TrainingProgress>();
            new PrototypicalTrainer(Small(40) with { ClassGroups = groups, WithinGroupFraction = fraction }).Train(embedder, recording, progress: progress);
            return (progress.Reports.Select(r => r.Loss).ToArray(), recording.Episodes);
        }

        bool Within(int[] classes) => classes.Select(c => groups[c]).Distinct().Count() == 1;
        var plain = Run(0);
        var all = Run(1);
        var half = Run(0.5);

        plain.Episodes.Should().HaveCount(40);
        plain.Episodes.Count(Within).Should().BeLessThan(4, "5 of 10 classes drawn at random fall in one group with probability 2/252");
        all.Episodes.Where(e => !Within(e)).Should().BeEmpty("every episode is drawn within one group");
        half.Episodes.Count(Within).Should().BeInRange(10, 30, "about half of 40 episodes");
        using var embedder = SyntheticClasses.TinyConv4(seed: 3);
        var progress = new RecordingProgress<TrainingProgress>();
        new PrototypicalTrainer(Small(40)).Train(embedder, data, progress: progress);
        plain.Losses.Should().Equal(progress.Reports.Select(r => r.Loss), "a fraction of 0 draws exactly the episodes of a run without groups");
        Run(0.5).Episodes.Should().BeEquivalentTo(half.Episodes, o => o.WithStrictOrdering(), "which episodes are within a group is fixed by (seed, episode)");
    }

    [Fact]
    public void Train_WithinGroupFraction_BadGroupsAreTypedErrors_AndTheFractionIsPartOfTheRecipe()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 10, perClass: 10);
        using var embedder = SyntheticClasses.TinyConv4();
        string[] small = [.. Enumerable.Range(0, 10).Select(c => $"g{c % 3}")];

        var noGroups = () => new PrototypicalTrainer(Small(2) with { WithinGroupFraction = 0.5 }).Train(embedder, data);
        var wrongCount = () => new PrototypicalTrainer(Small(2) with { WithinGroupFraction = 0.5, ClassGroups = ["a", "b"] }).Train(embedder, data);
        var tooSmall = () => new PrototypicalTrainer(Small(2) with { WithinGroupFraction = 0.5, ClassGroups = small }).Train(embedder, data);
        var outOfRange = () => Small(2) with { WithinGroupFraction = 1.5 };

        noGroups.Should().Throw<ArgumentException>().WithMessage("*ClassGroups is not set*");
        wrongCount.Should().Throw<ArgumentException>().WithMessage("*ClassGroups has 2 entries; the dataset has 10 classes*");
        tooSmall.Should().Throw<ArgumentException>().WithMessage("*5-way episodes within one group need a group of at least 5 eligible classes; the largest has 4*");
        outOfRange.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("WithinGroupFraction");

        string dir = TestPaths.NewTempFolder("oneshot-within-recipe");
        string[] halves = [.. Enumerable.Range(0, 10).Select(c => c < 5 ? "a" : "b")];
        new PrototypicalTrainer(Small(2) with { CheckpointPath = dir }).Train(embedder, data);
        var within = () => new PrototypicalTrainer(Small(4) with { CheckpointPath = dir, ClassGroups = halves, WithinGroupFraction = 0.25 }).Train(embedder, data);
        within.Should().Throw<OneShotException>().WithMessage("*this run has '*;withingroup=0.25*");
    }

    /// <summary>Records the classes of every episode the trainer loads (the sampler reads each class once per episode).</summary>
    private sealed class RecordingDataset(IClassDataset inner, int way) : IClassDataset
    {
        private readonly List<int> _current = [];

        public List<int[]> Episodes { get; } = [];

        public IReadOnlyList<string> Classes => inner.Classes;

        public (int Channels, int Height, int Width) ItemShape => inner.ItemShape;

        public int CountOf(int classIndex) => inner.CountOf(classIndex);

        public TorchSharp.torch.Tensor Load(int classIndex, IReadOnlyList<int> items)
        {
            _current.Add(classIndex);
            if (_current.Count == way)
            {
                Episodes.Add([.. _current]);
                _current.Clear();
            }

            return inner.Load(classIndex, items);
        }
    }

    [Fact]
    public void Train_WithValidation_RestoresAndSavesTheBestWeights()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10);
        using var validation = SyntheticClasses.NoisyPrototypes(classes: 6, perClass: 10, seed: 5);
        string dir = TestPaths.NewTempFolder("oneshot-best");
        using var embedder = SyntheticClasses.TinyConv4();
        var progress = new RecordingProgress<TrainingProgress>();
        var options = Small(12) with { ValidationInterval = 3, ValidationEpisodes = 3, CheckpointPath = dir };

        var result = new PrototypicalTrainer(options).Train(embedder, data, validation, progress);

        var validations = progress.Reports.Where(r => r.ValidationLoss is not null).ToList();
        validations.Select(r => r.Episode).Should().Equal(3, 6, 9, 12);
        var best = validations.MinBy(r => r.ValidationLoss!.Value)!;
        result.BestEpisode.Should().Be(best.Episode);
        result.BestValidationLoss.Should().Be(best.ValidationLoss);
        result.BestValidationAccuracy.Should().Be(best.ValidationAccuracy);
        using var reloaded = SyntheticClasses.TinyConv4(seed: 9);
        reloaded.Network.load(Path.Combine(dir, "best.weights"));
        var expected = SyntheticClasses.Weights(reloaded);
        foreach (var (name, values) in SyntheticClasses.Weights(embedder))
        {
            values.Should().Equal(expected[name], "the network holds the best weights ({0})", name);
        }
    }

    [Fact]
    public void Train_NoiseValidationWithPatienceOne_StopsAtFirstValidationWithoutImprovement()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10);
        using var validation = SyntheticClasses.Noise(classes: 6, perClass: 10);
        using var embedder = SyntheticClasses.TinyConv4();
        var progress = new RecordingProgress<TrainingProgress>();
        var options = Small(200) with { ValidationInterval = 2, ValidationEpisodes = 2, Patience = 1 };

        var result = new PrototypicalTrainer(options).Train(embedder, data, validation, progress);

        var losses = progress.Reports.Where(r => r.ValidationLoss is not null).Select(r => r.ValidationLoss!.Value).ToList();
        result.StoppedEarly.Should().BeTrue();
        result.EpisodesRun.Should().Be(progress.Reports.Count).And.BeLessThan(200);
        losses[^1].Should().BeGreaterThanOrEqualTo(losses.Take(losses.Count - 1).Min(), "the run stops at the first validation that does not improve");
        losses.Take(losses.Count - 1).Should().BeInDescendingOrder("every earlier validation improved");
        result.BestEpisode.Should().Be(result.EpisodesRun - 2);
    }

    [Fact]
    public void Train_CheckpointOfAnotherRecipe_ThrowsNamingBothRecipes()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10);
        string dir = TestPaths.NewTempFolder("oneshot-recipe");
        using var embedder = SyntheticClasses.TinyConv4();
        new PrototypicalTrainer(Small(2) with { CheckpointPath = dir }).Train(embedder, data);

        var act = () => new PrototypicalTrainer(Small(4) with { CheckpointPath = dir, Shot = 2 }).Train(embedder, data);

        act.Should().Throw<OneShotException>().WithMessage("*was written with another training recipe: it has 'way=5;shot=1;*', this run has 'way=5;shot=2;*");
        var fresh = new PrototypicalTrainer(Small(4) with { CheckpointPath = dir, Shot = 2, Resume = false }).Train(embedder, data);
        fresh.StartEpisode.Should().Be(0);
    }

    [Fact]
    public void Train_ItemsOfAnotherSize_ThrowsWithBothShapes()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 8, perClass: 10, size: 20);
        using var embedder = SyntheticClasses.TinyConv4();

        var act = () => new PrototypicalTrainer(Small(2)).Train(embedder, data);

        act.Should().Throw<ArgumentException>().WithMessage("The dataset's items are 1x20x20 (CxHxW); this conv4 embedder takes 1x28x28.*");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public void Options_WayBelowTwo_Throws(int way)
    {
        var act = () => new PrototypicalTrainerOptions { Way = way };

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Way must be at least 2.*");
    }
}
