using System.Collections.Concurrent;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Tests.Training;
using OneShot.Training;
using OneShot.Transfer;
using OneShot.Verification;
using TorchSharp;
using static TorchSharp.torch;
using static OneShot.Tests.Embeddings.EmbedderFoldingTests;

namespace OneShot.Tests.Embeddings;

/// <summary>
/// Embed has no side effects (the user's network keeps its mode and buffers) and sees weight changes through the
/// weights version that every library path raises, not by comparing the weights on every call.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class EmbedderInferenceTests : IDisposable
{
    private readonly SingleThreadedTorch _threads = new();

    public void Dispose() => _threads.Dispose();

    [Theory]
    [InlineData("conv4")]
    [InlineData("resnet12")]
    [InlineData("resnet18")]
    [InlineData("dropout")]
    public void Embed_NetworkInTrainMode_StaysInTrainModeWithUnchangedBuffersAndGivesTheEvalResult(string architecture)
    {
        using var embedder = SmallEmbedder(architecture, l2: false);
        Randomize(embedder.Network, seed: 5);
        var p = embedder.Preprocessing;
        using var images = TensorAssert.Images(3, p.Channels, p.Height, p.Width);
        using var expected = PlainForward(embedder, images);
        embedder.Network.train();
        var state = embedder.Network.state_dict().ToDictionary(e => e.Key, e => TensorAssert.Bytes(e.Value));

        using var first = embedder.Embed(images);
        using var second = embedder.Embed(images);

        embedder.Network.modules().Prepend(embedder.Network).Should().OnlyContain(m => m.training, "Embed never switches a module's mode");
        foreach (var (name, tensor) in embedder.Network.state_dict().Select(e => (e.Key, e.Value)))
        {
            TensorAssert.Bytes(tensor).Should().Equal(state[name], $"{name} must not change during inference");
        }

        MaxAbsDifference(first, expected).Should().BeLessThan(1e-4, "Embed gives the evaluation-mode result");
        expected.abs().max().item<float>().Should().BeGreaterThan(1e-2f);
        TensorAssert.BitIdentical(second, first);
    }

    [Fact]
    public void Embed_BackboneWithoutFoldedForm_LeavesTheGlobalGeneratorUntouched()
    {
        using var embedder = SmallEmbedder("dropout", l2: false);
        using var images = TensorAssert.Images(2, 3, 12, 12);

        random.manual_seed(9);
        embedder.Embed(images).Dispose(); // builds the private evaluation copy
        float next = rand(1).item<float>();
        random.manual_seed(9);
        float expected = rand(1).item<float>();

        next.Should().Be(expected);
    }

    [Fact]
    public void Embed_AfterDirectEdit_KeepsTheOldWeightsUntilNotifyWeightsChanged()
    {
        using var embedder = SmallEmbedder("conv4", l2: false);
        using var images = TensorAssert.Images(4, 1, 28, 28);
        using var before = embedder.Embed(images);
        long version = embedder.WeightsVersion;

        using (var noGrad = no_grad())
        {
            embedder.Network.parameters().First().add_(0.5);
        }

        // No per-call weight comparison: the edit is invisible until announced.
        using var stale = embedder.Embed(images);
        embedder.NotifyWeightsChanged();
        using var after = embedder.Embed(images);
        using var plain = PlainForward(embedder, images);

        TensorAssert.BitIdentical(stale, before);
        embedder.WeightsVersion.Should().Be(version + 1);
        MaxAbsDifference(after, before).Should().BeGreaterThan(1e-3);
        MaxAbsDifference(after, plain).Should().BeLessThan(1e-4);
    }

    [Theory]
    [InlineData("prototypical")]
    [InlineData("siamese")]
    [InlineData("finetune")]
    public void Embed_AfterTrainingThroughTheLibrary_ReflectsTheNewWeights(string trainer)
    {
        using var data = SyntheticClasses.NoisyPrototypes(classes: 10, perClass: 20, noise: 0.5);
        var embedder = SyntheticClasses.TinyConv4();
        using var images = TensorAssert.Images(4, 1, 28, 28);
        using var before = embedder.Embed(images);
        long version = embedder.WeightsVersion;

        using var owner = Train(trainer, embedder, data);
        using var after = embedder.Embed(images);
        using var plain = PlainForward(embedder, images);

        embedder.WeightsVersion.Should().BeGreaterThan(version);

        // Two steps on this tiny network occasionally leave NaN weights (seen for the prototypical and Siamese trainers
        // in this suite, not when run alone); Embed must then show the same NaN as the network, never the stale weights.
        using var afterNan = after.isnan();
        using var plainNan = plain.isnan();
        TensorAssert.BitIdentical(afterNan, plainNan);
        using var afterValues = after.masked_fill(afterNan, 0);
        using var plainValues = plain.masked_fill(plainNan, 0);
        MaxAbsDifference(afterValues, plainValues).Should().BeLessThan(1e-4, "Embed runs the trained weights");
        (afterNan.any().item<bool>() || MaxAbsDifference(after, before) > 1e-4).Should().BeTrue("training changed the weights");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Embed_AfterPretrainedWeightsLoad_EqualsTheSourceEmbedder(bool intoNetwork)
    {
        using var source = SyntheticClasses.TinyConv4(seed: 2);
        using var target = SyntheticClasses.TinyConv4(seed: 3);
        string path = Path.Combine(Path.GetTempPath(), $"oneshot-embed-{Guid.NewGuid():N}.dat");
        try
        {
            source.Network.save(path);
            using var images = TensorAssert.Images(4, 1, 28, 28);
            using var expected = source.Embed(images);
            using var before = target.Embed(images);

            _ = intoNetwork ? PretrainedWeights.Load(target.Network, path) : PretrainedWeights.Load(target, path);
            using var after = target.Embed(images);

            MaxAbsDifference(before, expected).Should().BeGreaterThan(1e-3, "the two embedders start from different weights");
            TensorAssert.BitIdentical(after, expected);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("conv4")]
    [InlineData("dropout")]
    public void Embed_ManyThreadsWhileTheVersionChanges_EveryResultEqualsTheSingleThreadedOne(string architecture)
    {
        using var embedder = SmallEmbedder(architecture, l2: true);
        var p = embedder.Preprocessing;
        using var images = TensorAssert.Images(3, p.Channels, p.Height, p.Width);
        using var reference = embedder.Embed(images);
        byte[] expected = TensorAssert.Bytes(reference);
        var results = new ConcurrentBag<byte[]>();

        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (i % 8 == 0)
            {
                embedder.NotifyWeightsChanged(); // retires the copy other threads may be running
            }

            using var embeddings = embedder.Embed(images);
            results.Add(TensorAssert.Bytes(embeddings));
        });

        results.Should().HaveCount(64).And.OnlyContain(r => r.SequenceEqual(expected));
    }

    [Theory]
    [InlineData("conv4")]
    [InlineData("dropout")]
    public void Embed_CopyRebuiltOnEveryCall_LiveTensorCountStaysFlat(string architecture)
    {
        using var embedder = SmallEmbedder(architecture, l2: true);
        var p = embedder.Preprocessing;
        using var images = TensorAssert.Images(2, p.Channels, p.Height, p.Width);
        embedder.Embed(images).Dispose();
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 20; i++)
        {
            embedder.NotifyWeightsChanged();
            embedder.Embed(images).Dispose();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(live);
    }

    /// <summary>Two optimizer steps of <paramref name="trainer"/> on <paramref name="embedder"/>; returns what owns the embedder afterwards.</summary>
    private static IDisposable Train(string trainer, Embedder embedder, global::OneShot.Data.InMemoryClassDataset data)
    {
        switch (trainer)
        {
            case "prototypical":
                new PrototypicalTrainer(new PrototypicalTrainerOptions { Way = 5, Shot = 1, Query = 5, Episodes = 2, LearningRate = 5e-3 }).Train(embedder, data);
                return embedder;
            case "siamese":
                return new SiameseTrainer(new SiameseTrainerOptions { Head = SiameseHeadKind.Contrastive, Steps = 2, PairsPerStep = 16, LearningRate = 5e-3 })
                    .Train(embedder, data).Model;
            default:
                using (var scope = NewDisposeScope())
                {
                    var images = cat(Enumerable.Range(0, 5).Select(c => data.Load(c, [0, 1, 2])).ToList(), 0);
                    string[] labels = [.. Enumerable.Range(0, 5).SelectMany(c => Enumerable.Repeat(data.Classes[c], 3))];
                    var options = new FineTuningOptions
                    {
                        HeadSteps = 2, FineTuneSteps = 2, UnfrozenStages = 1, FineTuneLearningRate = 1e-2, HoldOutMinimumShots = null, InPlace = true,
                    };
                    new FineTuner(options).Fit(embedder, images, labels).Dispose();
                    return embedder;
                }
        }
    }
}
