using OneShot.Classification;
using OneShot.Tests.Training;
using OneShot.Training;
using OneShot.Transfer;
using static TorchSharp.torch;

namespace OneShot.Tests.Transfer;

[Collection(TorchGlobalState.Name)]
public sealed class FineTunerTests : IDisposable
{
    private readonly SingleThreadedTorch _threads = new();

    public void Dispose() => _threads.Dispose();

    /// <summary>The first <paramref name="shots"/> items of every class as support, the rest as queries.</summary>
    private static (Tensor Support, string[] SupportLabels, Tensor Query, string[] QueryLabels) Split(global::OneShot.Data.InMemoryClassDataset data, int shots)
    {
        var support = new List<Tensor>();
        var query = new List<Tensor>();
        var supportLabels = new List<string>();
        var queryLabels = new List<string>();
        for (int c = 0; c < data.Classes.Count; c++)
        {
            int n = data.CountOf(c);
            support.Add(data.Load(c, Enumerable.Range(0, shots).ToArray()));
            query.Add(data.Load(c, Enumerable.Range(shots, n - shots).ToArray()));
            supportLabels.AddRange(Enumerable.Repeat(data.Classes[c], shots));
            queryLabels.AddRange(Enumerable.Repeat(data.Classes[c], n - shots));
        }

        var result = (cat(support, 0), supportLabels.ToArray(), cat(query, 0), queryLabels.ToArray());
        support.Concat(query).ToList().ForEach(t => t.Dispose());
        return result;
    }

    [Fact]
    public void Fit_NoisyPrototypes_BeatsChanceClearlyOnHeldOutImages()
    {
        // Pretrain on base classes, then fine-tune on five new classes drawn from another seed.
        using var baseClasses = SyntheticClasses.NoisyPrototypes(classes: 10, perClass: 10, seed: 3);
        using var data = SyntheticClasses.NoisyPrototypes(classes: 5, perClass: 10);
        using var embedder = SyntheticClasses.TinyConv4();
        new PrototypicalTrainer(new PrototypicalTrainerOptions { Way = 5, Query = 5, Episodes = 40, LearningRate = 5e-3 }).Train(embedder, baseClasses);
        var (support, supportLabels, query, queryLabels) = Split(data, shots: 5);
        using var s = support;
        using var q = query;
        var progress = new RecordingProgress<FineTuningProgress>();
        var options = new FineTuningOptions { HeadSteps = 60, FineTuneSteps = 20, UnfrozenStages = 2, HoldOutMinimumShots = null };

        using var fitted = new FineTuner(options).Fit(embedder, s, supportLabels, progress);
        var predictions = fitted.Predict(q);

        double accuracy = predictions.Zip(queryLabels).Count(p => p.First.Label == p.Second) / (double)queryLabels.Length;
        accuracy.Should().BeGreaterThan(0.7, "chance is 0.2 for 5 classes (this run gives 0.88; nearest prototype 0.64)");
        fitted.Classes.Should().Equal(data.Classes);
        fitted.Result.Should().Be(new FineTuningResult(60, 20, 0, null, null, null, false));
        progress.Reports.Select(r => (r.Phase, r.Step)).Should().Equal(
            Enumerable.Range(1, 60).Select(i => (FineTuningPhase.Head, i)).Concat(Enumerable.Range(1, 20).Select(i => (FineTuningPhase.Body, i))));
        predictions[0].Score.Should().BeApproximately(-Math.Log(predictions[0].Probability), 1e-4, "the distance is the cross-entropy");
        using var probabilities = fitted.PredictProbabilities(q);
        probabilities.shape.Should().Equal(25, 5);
        fitted.Embedder.Network.training.Should().BeFalse();
        Freezing.TrainableParameterNames(fitted.Embedder.Network).Should().HaveCount(16, "the fine-tuned copy comes back fully trainable");
    }

    [Fact]
    public void Fit_HeadOnly_BodyBitIdenticalAndPretrainedEmbedderUnchanged()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 3, perClass: 4);
        using var embedder = SyntheticClasses.TinyConv4();
        var (support, labels, query, _) = Split(data, shots: 2);
        using var s = support;
        using var q = query;
        var original = SyntheticClasses.Weights(embedder);
        var fingerprint = embedder.GetFingerprint();

        using var headOnly = new FineTuner(new FineTuningOptions { HeadSteps = 10, FineTuneSteps = 0 }).Fit(embedder, s, labels);
        using var full = new FineTuner(new FineTuningOptions { HeadSteps = 5, FineTuneSteps = 5, UnfrozenStages = 4 }).Fit(embedder, s, labels);

        headOnly.Embedder.Should().NotBeSameAs(embedder);
        var body = SyntheticClasses.Weights(headOnly.Embedder);
        foreach (var (name, values) in original)
        {
            body[name].Should().Equal(values, "phase 1 leaves {0} untouched", name);
        }

        headOnly.Result.FineTuneStepsRun.Should().Be(0);
        SyntheticClasses.Weights(full.Embedder)["encoder.0.0.weight"].Should().NotEqual(original["encoder.0.0.weight"]);
        embedder.GetFingerprint().Should().Be(fingerprint, "the pretrained embedder is copied, not changed");
        Freezing.TrainableParameterNames(embedder.Network).Should().HaveCount(16);
    }

    [Fact]
    public void Fit_SameSeed_IdenticalHeadsAndPredictions_OtherSeedDiffers()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 3, perClass: 6);
        using var embedder = SyntheticClasses.TinyConv4();
        var (support, labels, query, _) = Split(data, shots: 4);
        using var s = support;
        using var q = query;

        (float[] Head, IReadOnlyList<OneShot.Classification.Prediction> Predictions) Run(int seed)
        {
            var options = new FineTuningOptions { HeadSteps = 6, FineTuneSteps = 4, BatchSize = 5, Seed = seed, ValidationInterval = 2 };
            using var fitted = new FineTuner(options).Fit(embedder, s, labels);
            using var head = fitted.GetHeadWeights();
            return (head.data<float>().ToArray(), fitted.Predict(q));
        }

        var a = Run(4);
        var b = Run(4);
        var c = Run(5);

        b.Head.Should().Equal(a.Head);
        b.Predictions.Should().Equal(a.Predictions);
        c.Head.Should().NotEqual(a.Head);
    }

    [Fact]
    public void Fit_ThreeShotsPerClass_HoldsOutOnePerClassAndKeepsBestWeights()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 3, perClass: 3);
        using var embedder = SyntheticClasses.TinyConv4();
        var (support, labels, _, _) = Split(data, shots: 3);
        using var s = support;
        var progress = new RecordingProgress<FineTuningProgress>();

        using var fitted = new FineTuner(new FineTuningOptions { HeadSteps = 10, FineTuneSteps = 4, ValidationInterval = 5, Patience = null }).Fit(embedder, s, labels, progress);

        fitted.Result.HeldOutExamples.Should().Be(3);
        var validations = progress.Reports.Where(r => r.ValidationLoss is not null).ToList();
        validations.Select(r => (r.Phase, r.Step)).Should().Equal((FineTuningPhase.Head, 5), (FineTuningPhase.Head, 10), (FineTuningPhase.Body, 4));
        fitted.Result.BestValidationLoss.Should().Be(validations.Min(r => r.ValidationLoss));
        fitted.Result.BestPhase.Should().Be(validations.MinBy(r => r.ValidationLoss)!.Phase);
    }

    [Fact]
    public void Fit_TwoShotsPerClass_TrainsOnAllForFixedSteps()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 2, perClass: 2);
        using var embedder = SyntheticClasses.TinyConv4();
        var (support, labels, _, _) = Split(data, shots: 2);
        using var s = support;
        var progress = new RecordingProgress<FineTuningProgress>();

        using var fitted = new FineTuner(new FineTuningOptions { HeadSteps = 3, FineTuneSteps = 2 }).Fit(embedder, s, labels, progress);

        fitted.Result.Should().Be(new FineTuningResult(3, 2, 0, null, null, null, false));
        progress.Reports.Should().HaveCount(5).And.OnlyContain(r => r.ValidationLoss == null);
    }

    [Fact]
    public void FitPredictDispose_LiveTensorCountReturnsToStart()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 2, perClass: 3);
        using var embedder = SyntheticClasses.TinyConv4();
        var (support, labels, _, _) = Split(data, shots: 3);
        using var s = support;
        embedder.Embed(s).Dispose(); // Embed builds its folded inference copy once; it lives as long as the embedder
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // In place, because Embedder.Create (and so Clone) itself leaves 4 tensors registered.
        using (var fitted = new FineTuner(new FineTuningOptions { HeadSteps = 3, FineTuneSteps = 3, ValidationInterval = 1, InPlace = true }).Fit(embedder, s, labels))
        {
            fitted.Result.HeldOutExamples.Should().Be(2);
            fitted.Embedder.Should().BeSameAs(embedder);
            for (int i = 0; i < 20; i++)
            {
                fitted.Predict(s).Should().HaveCount(6);
                using var probabilities = fitted.PredictProbabilities(s);
            }
        }

        TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        embedder.Invoking(e => e.GetFingerprint()).Should().NotThrow("an in-place embedder is not disposed with the classifier");
    }

    [Fact]
    public void Fit_OneClass_ThrowsNamingTheCount()
    {
        using var embedder = SyntheticClasses.TinyConv4();
        using var images = zeros(2, 1, 28, 28);

        var act = () => new FineTuner().Fit(embedder, images, ["a", "a"]);

        act.Should().Throw<ArgumentException>().WithMessage("Fine-tuning needs at least two classes; the labels name 1.*");
    }

    [Fact]
    public void Fit_MoreUnfrozenStagesThanTheBackboneHas_Throws()
    {
        using var embedder = SyntheticClasses.TinyConv4();
        using var images = zeros(2, 1, 28, 28);

        var act = () => new FineTuner(new FineTuningOptions { UnfrozenStages = 5 }).Fit(embedder, images, ["a", "b"]);

        act.Should().Throw<ArgumentException>().WithMessage("FineTuningOptions.UnfrozenStages is 5 but the conv4 backbone has 4 stages.*");
    }

    [Fact]
    public void Fit_WrongImageShape_Throws()
    {
        using var embedder = SyntheticClasses.TinyConv4();
        using var images = zeros(2, 1, 20, 20);

        var act = () => new FineTuner().Fit(embedder, images, ["a", "b"]);

        act.Should().Throw<ArgumentException>().WithMessage("Expected support images of shape [S,1,28,28]*got [2,1,20,20].*");
    }

    [Fact]
    public void Fit_Cancelled_ThrowsAndLeavesPretrainedEmbedderUnchanged()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 2, perClass: 2);
        using var embedder = SyntheticClasses.TinyConv4();
        var fingerprint = embedder.GetFingerprint();
        using var cts = new CancellationTokenSource();
        var progress = new RecordingProgress<FineTuningProgress>(r =>
        {
            if (r.Step == 2)
            {
                cts.Cancel();
            }
        });

        var act = () => new FineTuner(new FineTuningOptions { HeadSteps = 10 }).Fit(embedder, data, progress, cts.Token);

        act.Should().Throw<OperationCanceledException>();
        progress.Reports.Should().HaveCount(2);
        embedder.GetFingerprint().Should().Be(fingerprint);
    }

    [Fact]
    public void Predict_ImagesOrTheirEmbeddings_GiveTheSamePredictionsAsAnIFittedClassifier()
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 3, perClass: 4);
        using var embedder = SyntheticClasses.TinyConv4();
        var (support, labels, query, _) = Split(data, shots: 2);
        using var s = support;
        using var q = query;

        using var fitted = new FineTuner(new FineTuningOptions { HeadSteps = 5, FineTuneSteps = 0 }).Fit(embedder, s, labels);
        IFittedClassifier classifier = fitted;
        using var embeddings = fitted.Embedder.Embed(q);
        var fromImages = fitted.Predict(q);
        var fromEmbeddings = classifier.Predict(embeddings);

        classifier.EmbeddingSize.Should().Be(fitted.Embedder.EmbeddingSize);
        classifier.Options.Should().BeOfType<LinearProbeClassifierOptions>().Which.TopK.Should().Be(fitted.FineTuning.TopK);
        fromEmbeddings.Should().Equal(fromImages);
        fromImages.Should().OnlyContain(p => p.ScoreKind == ScoreKind.NegativeLogLikelihood && p.Distance == null);
    }
}
