using OneShot.Classification;
using OneShot.Data;
using OneShot.Tests.Training;
using OneShot.Verification;

namespace OneShot.Tests.Verification;

[Collection(TorchGlobalState.Name)]
public sealed class SiameseTrainerTests : IDisposable
{
    private readonly SingleThreadedTorch _threads = new();

    public void Dispose() => _threads.Dispose();

    private static SiameseTrainerOptions Small(SiameseHeadKind head, int steps, int seed = 1) => new()
    {
        Head = head,
        PairsPerStep = 16,
        Steps = steps,
        LearningRate = 5e-3,
        Seed = seed,
        ValidationPairs = 100,
    };

    /// <summary>Items [from, from + count) of every class of <paramref name="dataset"/>, as a new dataset.</summary>
    private static InMemoryClassDataset Items(InMemoryClassDataset dataset, int from, int count)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var classes = Enumerable.Range(0, dataset.Classes.Count)
            .Select(c => dataset.Load(c, [.. Enumerable.Range(from, count)]))
            .ToList();
        return InMemoryClassDataset.FromClasses(classes);
    }

    [Theory]
    [InlineData(SiameseHeadKind.Koch)]
    [InlineData(SiameseHeadKind.Contrastive)]
    public void Train_NoisyPrototypes_VerifiesHeldOutItemsWellAboveChance(SiameseHeadKind kind)
    {
        // Held-out pairs: images never seen in training (fresh noise on the training classes' patterns). Unseen random
        // patterns are beyond what a width-8 Conv4 learns in a few seconds, so the classes are shared.
        using var all = SyntheticClasses.NoisyPrototypes(classes: 10, perClass: 30, size: 16, noise: 0.3, seed: 7);
        using var train = Items(all, 0, 20);
        using var validation = Items(all, 20, 5);
        using var test = Items(all, 25, 5);
        var progress = new RecordingProgress<SiameseTrainingProgress>();

        var result = new SiameseTrainer(Small(kind, 150) with { PairsPerStep = 32 }).Train(SyntheticClasses.TinyConv4(size: 16), train, validation, progress);
        using var model = result.Model;

        progress.Reports.Select(r => r.Step).Should().Equal(Enumerable.Range(1, 150));
        result.Losses.Should().HaveCount(150);
        result.Losses.TakeLast(10).Average().Should().BeLessThan(result.Losses.Take(10).Average() * 0.8);
        model.Head.Kind.Should().Be(kind);
        model.Calibration.Method.Should().Be(ThresholdCalibrationMethod.EqualErrorRate);
        result.ValidationAccuracy.Should().BeGreaterThan(0.75);
        model.Embedder.Network.training.Should().BeFalse();

        using var pairs = new PairSampler(test).Sample(seed: 123, batch: 0, pairs: 100);
        using var scores = model.Score(pairs.Left, pairs.Right);
        float[] s = scores.data<float>().ToArray();
        float[] truth = pairs.IsSame.data<float>().ToArray();
        double accuracy = s.Zip(truth).Count(p => (p.First >= model.Threshold) == (p.Second == 1f)) / 100.0;
        accuracy.Should().BeGreaterThan(0.8, "chance is 0.5 on balanced pairs");
        model.Verify(pairs.Left[0], pairs.Right[0]).Score.Should().BeApproximately(s[0], 1e-6);
    }

    [Fact]
    public void Train_SameSeedWithAugmentation_IdenticalLossesAndHead_OtherSeedDiffers()
    {
        using var train = SyntheticClasses.NoisyPrototypes(classes: 6, perClass: 6);
        var options = Small(SiameseHeadKind.Koch, 6) with { Augmentation = new AffineAugmentationOptions() };

        (double[] Losses, float[] Head) Run(SiameseTrainerOptions o)
        {
            var result = new SiameseTrainer(o).Train(SyntheticClasses.TinyConv4(seed: 3), train);
            using var model = result.Model;
            model.Calibration.Method.Should().Be(ThresholdCalibrationMethod.Default);
            result.ValidationAccuracy.Should().BeNull();
            return ([.. result.Losses], [.. model.Head.KochWeights]);
        }

        var a = Run(options);
        var b = Run(options);
        var c = Run(options with { Seed = 2 });

        b.Losses.Should().Equal(a.Losses);
        b.Head.Should().Equal(a.Head);
        c.Losses.Should().NotEqual(a.Losses);
    }

    [Fact]
    public void Train_Cancelled_ThrowsBeforeAnyStep()
    {
        using var train = SyntheticClasses.NoisyPrototypes(classes: 4, perClass: 4);
        using var embedder = SyntheticClasses.TinyConv4();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var progress = new RecordingProgress<SiameseTrainingProgress>();

        var act = () => new SiameseTrainer(Small(SiameseHeadKind.Contrastive, 5)).Train(embedder, train, progress: progress, cancellationToken: cancelled.Token);

        act.Should().Throw<OperationCanceledException>();
        progress.Reports.Should().BeEmpty();
        embedder.Network.training.Should().BeFalse();
    }

    [Fact]
    public void Train_MaxDurationRunsOut_StopsEarlyAndReturnsTheModelTrainedSoFar()
    {
        using var train = SyntheticClasses.NoisyPrototypes(classes: 4, perClass: 4);
        using var embedder = SyntheticClasses.TinyConv4();
        var options = Small(SiameseHeadKind.Koch, 100_000) with { MaxDuration = TimeSpan.FromMilliseconds(300) };

        var result = new SiameseTrainer(options).Train(embedder, train);

        result.Losses.Count.Should().BeInRange(1, 99_999);
        result.Model.Head.Kind.Should().Be(SiameseHeadKind.Koch);
        embedder.Network.training.Should().BeFalse();
    }

    [Fact]
    public void Train_LrStep_HalvesTheLearningRateOnSchedule()
    {
        using var train = SyntheticClasses.NoisyPrototypes(classes: 4, perClass: 4);
        using var a = SyntheticClasses.TinyConv4();
        using var b = SyntheticClasses.TinyConv4();

        var constant = new SiameseTrainer(Small(SiameseHeadKind.Contrastive, 4)).Train(a, train);
        var stepped = new SiameseTrainer(Small(SiameseHeadKind.Contrastive, 4) with { LrStepSteps = 2 }).Train(b, train);

        stepped.Losses.Take(3).Should().Equal(constant.Losses.Take(3), "the first two steps use the same rate, and step 3's loss reflects only those");
        stepped.Losses[3].Should().NotBe(constant.Losses[3], "from step 3 on the rate is halved");
    }

    [Fact]
    public void Train_EmbedderFactorZero_LeavesEveryWeightAndStatisticAndTrainsOnlyTheHead()
    {
        using var train = SyntheticClasses.NoisyPrototypes(classes: 6, perClass: 8, size: 16, noise: 0.3, seed: 7);
        using var embedder = SyntheticClasses.TinyConv4(size: 16);

        // A body that has learned something (as a pretrained one would), then a fresh head on it, frozen.
        new SiameseTrainer(Small(SiameseHeadKind.Contrastive, 60) with { PairsPerStep = 32 }).Train(embedder, train).Losses.Should().HaveCount(60);
        var before = SyntheticClasses.Weights(embedder);
        var options = Small(SiameseHeadKind.Koch, 60) with { LearningRate = 5e-2, EmbedderLearningRateFactor = 0, Seed = 3 };

        var result = new SiameseTrainer(options).Train(embedder, train);

        var after = SyntheticClasses.Weights(embedder);
        after.Keys.Should().BeEquivalentTo(before.Keys);
        foreach (var (name, values) in before)
        {
            after[name].Should().Equal(values, $"the frozen body's {name} (weights and batch-norm statistics) must not change");
        }

        result.Losses.TakeLast(10).Average().Should().BeLessThan(result.Losses.Take(10).Average() * 0.9, "the head alone still learns");
        embedder.Network.training.Should().BeFalse();
    }

    [Fact]
    public void Train_EmbedderFactorBetweenZeroAndOne_MovesTheBodyLessThanTheFullRate()
    {
        using var train = SyntheticClasses.NoisyPrototypes(classes: 6, perClass: 8, size: 16, noise: 0.3, seed: 7);

        double Moved(double factor)
        {
            using var embedder = SyntheticClasses.TinyConv4(size: 16);
            var before = SyntheticClasses.Weights(embedder);
            new SiameseTrainer(Small(SiameseHeadKind.Koch, 5) with { EmbedderLearningRateFactor = factor }).Train(embedder, train).Model.Head.Kind.Should().Be(SiameseHeadKind.Koch);
            var after = SyntheticClasses.Weights(embedder);
            string conv = before.Keys.First(k => k.EndsWith("weight", StringComparison.Ordinal));
            return before[conv].Zip(after[conv]).Sum(p => Math.Abs(p.First - p.Second));
        }

        double full = Moved(1.0), tenth = Moved(0.1);

        full.Should().BeGreaterThan(0);
        tenth.Should().BeGreaterThan(0).And.BeLessThan(full * 0.3, "Adam's steps scale with the learning rate");
    }

    [Fact]
    public void Train_InitialHead_StartsFromItsWeights()
    {
        using var train = SyntheticClasses.NoisyPrototypes(classes: 4, perClass: 4, size: 16);
        float[] weights = [.. Enumerable.Range(0, 8).Select(i => -0.25f * (i + 1))];
        var start = SiameseHead.Koch(weights, 3f);
        var options = Small(SiameseHeadKind.Koch, 2) with { LearningRate = 1e-9, EmbedderLearningRateFactor = 0 };

        using var a = SyntheticClasses.TinyConv4(size: 16);
        using var b = SyntheticClasses.TinyConv4(size: 16);
        using var fromStart = new SiameseTrainer(options with { InitialHead = start }).Train(a, train).Model;
        using var fromSeed = new SiameseTrainer(options).Train(b, train).Model;

        fromStart.Head.KochWeights.Zip(weights).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-5);
        fromStart.Head.KochBias.Should().BeApproximately(3f, 1e-5f);
        fromSeed.Head.KochWeights.Zip(weights).Should().Contain(p => Math.Abs(p.First - p.Second) > 0.1, "without InitialHead the head starts from the seed");
    }

    [Fact]
    public void Train_InconsistentHeadOptions_ThrowTypedErrorsNamingTheProblem()
    {
        using var train = SyntheticClasses.NoisyPrototypes(classes: 4, perClass: 4, size: 16);
        using var embedder = SyntheticClasses.TinyConv4(size: 16);
        var before = SyntheticClasses.Weights(embedder);

        var frozenContrastive = () => new SiameseTrainer(Small(SiameseHeadKind.Contrastive, 2) with { EmbedderLearningRateFactor = 0 }).Train(embedder, train);
        var contrastiveStart = () => new SiameseTrainer(Small(SiameseHeadKind.Koch, 2) with { InitialHead = SiameseHead.Contrastive() }).Train(embedder, train);
        var wrongSize = () => new SiameseTrainer(Small(SiameseHeadKind.Koch, 2) with { InitialHead = SiameseHead.Koch(new float[5], 0f) }).Train(embedder, train);
        var outOfRange = () => Small(SiameseHeadKind.Koch, 2) with { EmbedderLearningRateFactor = 1.5 };

        frozenContrastive.Should().Throw<ArgumentException>().WithMessage("*contrastive head has nothing else to train*");
        contrastiveStart.Should().Throw<ArgumentException>().WithMessage("*InitialHead must be a Koch head*Contrastive*");
        wrongSize.Should().Throw<ArgumentException>().WithMessage("*5 weights*8 values*");
        outOfRange.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("EmbedderLearningRateFactor");
        SyntheticClasses.Weights(embedder).Should().BeEquivalentTo(before, "a refused run trains nothing");
    }
}
