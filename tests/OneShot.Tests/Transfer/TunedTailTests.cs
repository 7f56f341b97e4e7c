using System.Text.Json.Nodes;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Transfer;
using static TorchSharp.torch;

namespace OneShot.Tests.Transfer;

/// <summary>
/// Fine-tuning the last ResNet-18 blocks with a projection on cached feature maps (<see cref="TunedTailTrainer"/>):
/// the head and the tail compose to the embedding, training moves only the tail, the base is untouched, and a saved
/// folder stores the tuned blocks beside the projection (format 2), reloads to the same embeddings and refuses a
/// corrupt or mismatched tail.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class TunedTailTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "oneshot-tuned-tail-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static Embedder CreateResNet(int seed)
    {
        manual_seed(seed);
        return Embedder.Create(new EmbedderOptions
        {
            Backbone = new ResNet18Options { BlocksPerStage = [1, 1, 1, 3] },
            Preprocessing = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 32, Height = 32 },
            Device = DeviceChoice.Cpu,
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void HeadThenTail_IsTheEmbedding(int tailBlocks)
    {
        using var embedder = CreateResNet(7);
        using var images = randn(5, 3, 32, 32);

        using var head = TunedTailTrainer.HeadFeatures(embedder, images, tailBlocks);
        using var expected = embedder.Embed(images);
        var network = (ResNet18)embedder.Network;
        using var tail = network.ForwardTail(head, tailBlocks);

        head.shape.Should().Equal(5, tailBlocks == 3 ? 256 : 512, tailBlocks == 3 ? 2 : 1, tailBlocks == 3 ? 2 : 1);
        ((tail - expected).abs().max().item<float>() / expected.abs().max().item<float>()).Should().BeLessThan(1e-4f);
        network.TailPrefixes(tailBlocks).Should().Equal(Enumerable.Range(3 - tailBlocks, tailBlocks).Select(i => $"layer4.{i}."));
        FluentActions.Invoking(() => TunedTailTrainer.HeadFeatures(embedder, images, 4)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*1..3*");
    }

    [Fact]
    public void HeadThenTail_GridPooledStage_IsTheEmbeddingAndTunesThatStagesBlocks()
    {
        manual_seed(7);
        using var embedder = Embedder.Create(new EmbedderOptions
        {
            Backbone = new ResNet18Options { BlocksPerStage = [1, 1, 2, 1], Pooling = StagePooling.ParseList("layer3:2") },
            Preprocessing = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 32, Height = 32 },
            Device = DeviceChoice.Cpu,
        });
        using var images = randn(5, 3, 32, 32);

        using var head = TunedTailTrainer.HeadFeatures(embedder, images, tailBlocks: 1);
        using var expected = embedder.Embed(images);
        var network = (ResNet18)embedder.Network;
        using var tail = network.ForwardTail(head, 1);

        head.shape.Should().Equal(5, 256, 2, 2);
        tail.shape.Should().Equal(5, 256 * 4);
        ((tail - expected).abs().max().item<float>() / expected.abs().max().item<float>()).Should().BeLessThan(1e-4f);
        network.TailPrefixes(1).Should().Equal("layer3.1.");
        network.TailPrefixes(2).Should().Equal("layer3.0.", "layer3.1.");
        FluentActions.Invoking(() => TunedTailTrainer.HeadFeatures(embedder, images, 3)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*1..2 blocks of the pooled stage (layer3)*");
    }

    /// <summary>Two noisy views of 48 random images; the projection's learning rate is 0, so only the tail can lower the loss.</summary>
    private static (Tensor Maps, int[] Classes) Pairs(Embedder embedder, int classes, int tailBlocks, int seed)
    {
        manual_seed(seed);
        using var scope = NewDisposeScope();
        var clean = randn(classes, 3, 32, 32);
        var views = cat([clean + (0.8 * randn(classes, 3, 32, 32)), clean + (0.8 * randn(classes, 3, 32, 32))], 0);
        var maps = TunedTailTrainer.HeadFeatures(embedder, views, tailBlocks).MoveToOuterDisposeScope();
        return (maps, [.. Enumerable.Range(0, classes), .. Enumerable.Range(0, classes)]);
    }

    [Fact]
    public void Train_TunesOnlyTheTail_LowersTheLoss_AndSavesLoadsTheSameEmbedder()
    {
        using var embedder = CreateResNet(11);
        string untuned = embedder.GetFingerprint().WeightsSha256;
        var (maps, classes) = Pairs(embedder, 48, 1, 3);
        using var _ = maps;
        var options = new ProjectionTrainingOptions { Epochs = 6, ClassesPerEpisode = 16, LearningRate = 0, TailLearningRate = 1e-3, ValidateEvery = 1 };
        var support = maps.narrow(0, 0, 48);
        var query = maps.narrow(0, 48, 48);

        var result = TunedTailTrainer.Train(embedder, 1, maps, classes, options, (support, query));

        result.History.Should().HaveCount(7);
        result.History[^1].Loss.Should().BeLessThan(result.History[1].Loss * 0.8, "the tuned block alone has to lower the loss (the projection's learning rate is 0)");
        result.History.Max(h => h.ValidationRank1).Should().BeGreaterThan(result.History[0].ValidationRank1);
        result.TunedBaseWeights.Should().NotBeNull();
        embedder.GetFingerprint().WeightsSha256.Should().Be(untuned, "training works on a copy");
        using (var stream = new MemoryStream(result.TunedBaseWeights!))
        using (var tail = StateDictReader.Read(stream, "result"))
        {
            tail.Names.Should().NotBeEmpty().And.OnlyContain(n => n.StartsWith("layer4.2.", StringComparison.Ordinal));
            tail.Names.Should().Contain("layer4.2.conv1.weight").And.Contain("layer4.2.bn2.running_mean");
        }

        using var images = randn(4, 3, 32, 32);
        using var tuned = ProjectedEmbedder.Create(embedder, result);
        tuned.HasTunedBase.Should().BeTrue();
        embedder.GetFingerprint().WeightsSha256.Should().Be(untuned, "Create applies the tail to a copy");
        using var plain = new ProjectedEmbedder(embedder, result.Weight, result.OutputSize);
        using var tunedOut = tuned.Embed(images);
        using var plainOut = plain.Embed(images);
        (tunedOut - plainOut).abs().max().item<float>().Should().BeGreaterThan(1e-3f, "the tuned block changes the embedding");
        tuned.GetFingerprint().WeightsSha256.Should().NotBe(plain.GetFingerprint().WeightsSha256);

        string baseFolder = Path.Combine(_dir, "base"), folder = Path.Combine(_dir, "tuned");
        ModelFile.Save(embedder, baseFolder);
        tuned.Save(folder, Path.Combine("..", "base"));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, ProjectedEmbedder.MetadataFileName)))!;
        json["formatVersion"]!.GetValue<int>().Should().Be(2);
        json["baseWeightsSha256"]!.GetValue<string>().Should().Be(untuned, "the folder references the untuned base");
        string tailFile = Path.Combine(folder, json["tunedBase"]!["file"]!.GetValue<string>());
        File.Exists(tailFile).Should().BeTrue();

        using (var loaded = ProjectedEmbedder.Load(folder, path => ModelFile.Load(path)))
        {
            loaded.HasTunedBase.Should().BeTrue();
            loaded.GetFingerprint().Should().Be(tuned.GetFingerprint());
            using var again = loaded.Embed(images);
            (again - tunedOut).abs().max().item<float>().Should().Be(0f);
        }

        // A corrupt tail: refused, naming the file.
        var bytes = File.ReadAllBytes(tailFile);
        bytes[^3] ^= 0x20;
        File.WriteAllBytes(tailFile, bytes);
        FluentActions.Invoking(() => ProjectedEmbedder.Load(folder, path => ModelFile.Load(path)))
            .Should().Throw<ModelFormatException>().Where(e => e.FilePath == tailFile).WithMessage("*SHA-256*");
        bytes[^3] ^= 0x20;
        File.WriteAllBytes(tailFile, bytes);

        // Version 1 with a tuned tail would be read by older releases without it: refused.
        json["formatVersion"] = 1;
        File.WriteAllText(Path.Combine(folder, ProjectedEmbedder.MetadataFileName), json.ToJsonString());
        FluentActions.Invoking(() => ProjectedEmbedder.Load(folder, path => ModelFile.Load(path)))
            .Should().Throw<ModelFormatException>().WithMessage("*format version 1 with tuned base blocks*");
    }

    [Fact]
    public void TailOfAnotherShape_IsRefusedNamingTheTensors()
    {
        using var embedder = CreateResNet(5);
        var (maps, classes) = Pairs(embedder, 8, 1, 2);
        using var _ = maps;
        var result = TunedTailTrainer.Train(embedder, 1, maps, classes, new ProjectionTrainingOptions { Epochs = 1, ClassesPerEpisode = 8 });
        using var narrow = Embedder.Create(new EmbedderOptions
        {
            Backbone = new ResNet18Options { BlocksPerStage = [1, 1, 1, 2] },
            Preprocessing = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 32, Height = 32 },
            Device = DeviceChoice.Cpu,
        });

        FluentActions.Invoking(() => ProjectedEmbedder.Create(narrow, result)).Should().Throw<ArgumentException>().WithMessage("*layer4.2.conv1.weight*");
        FluentActions.Invoking(() => ProjectedEmbedder.Create(new ProjectionTests.FeatureEmbedder(512), result)).Should().Throw<ArgumentException>().WithMessage("*TorchSharp base*");
        using var conv4 = Embedder.Create(new EmbedderOptions { Device = DeviceChoice.Cpu });
        FluentActions.Invoking(() => TunedTailTrainer.HeadFeatures(conv4, zeros(1, 1, 28, 28), 1)).Should().Throw<ArgumentException>().WithMessage("*needs a ResNet-18*");
    }
}
