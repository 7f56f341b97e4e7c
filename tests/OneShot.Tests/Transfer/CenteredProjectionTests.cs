using System.Text.Json.Nodes;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Transfer;
using static TorchSharp.torch;

namespace OneShot.Tests.Transfer;

/// <summary>
/// A projection that centres its input (SimpleShot's centring, <see cref="ProjectionTrainingOptions.Center"/>), starts a
/// shorter projection at the principal directions, and re-pools a ResNet-18 base: the mean and pooling are stored with
/// the projection (format version 3), applied on load, and refused when corrupt or unreadable by the version.
/// </summary>
public sealed class CenteredProjectionTests : IDisposable
{
    private const int D = 32;
    private readonly string _root = TestPaths.NewTempFolder("oneshot-centred-projection");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Two views per class (8 signal dimensions shared, 24 smaller noise dimensions drawn per view), all shifted by <paramref name="offset"/>.</summary>
    private static (Tensor A, Tensor B) ShiftedViews(int seed, int classes, float offset)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var signal = randn([classes, 8], generator: generator);
        Tensor View() => cat([signal + (0.1f * randn([classes, 8], generator: generator)), 0.5f * randn([classes, D - 8], generator: generator)], 1) + offset;
        return (View().MoveToOuterDisposeScope(), View().MoveToOuterDisposeScope());
    }

    [Fact]
    public void Train_Center_StoresTheTrainingMeanAndValidatesOnCentredRows()
    {
        var (trainA, trainB) = ShiftedViews(1, 300, offset: 10f);
        var (valA, valB) = ShiftedViews(2, 200, offset: 10f);
        using var features = cat([trainA, trainB], 0);
        int[] classes = [.. Enumerable.Range(0, 300), .. Enumerable.Range(0, 300)];
        var options = new ProjectionTrainingOptions { Epochs = 5, ClassesPerEpisode = 64, WeightDecay = 0 };

        var centred = ProjectionTrainer.Train(features, classes, options with { Center = true }, (valA, valB));
        var plain = ProjectionTrainer.Train(features, classes, options, (valA, valB));

        using var mean = features.mean([0]);
        centred.InputMean.Should().NotBeNull();
        centred.InputMean!.Zip(mean.data<float>().ToArray()).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-4);
        plain.InputMean.Should().BeNull();
        // Epoch 0 is the identity: its validation rank-1 is cosine nearest neighbour on the rows, centred on the training mean or not.
        using var centredA = valA - mean;
        using var centredB = valB - mean;
        double expectedCentred = Rank1(centredA, centredB), expectedPlain = Rank1(valA, valB);
        expectedCentred.Should().NotBe(expectedPlain, "on these rows the two differ, so the checks below tell them apart");
        centred.History[0].ValidationRank1.Should().BeApproximately(expectedCentred, 1e-9);
        plain.History[0].ValidationRank1.Should().BeApproximately(expectedPlain, 1e-9);

        // The embedder built from the result subtracts the mean, then projects: by hand.
        using var projected = ProjectedEmbedder.Create(new ProjectionTests.FeatureEmbedder(D), centred, ownsBase: true);
        projected.GetInputMean().Should().Equal(centred.InputMean);
        using var actual = projected.Project(valB);
        using var expected = nn.functional.normalize((valB - mean).matmul(tensor(centred.Weight, [D, D]).t()), p: 2, dim: 1);
        (actual - expected).abs().max().item<float>().Should().BeLessThan(1e-5f);
        trainA.Dispose();
        trainB.Dispose();
        valA.Dispose();
        valB.Dispose();
    }

    private static double Rank1(Tensor support, Tensor query)
    {
        using var scope = NewDisposeScope();
        var s = nn.functional.normalize(support, p: 2, dim: 1);
        var q = nn.functional.normalize(query, p: 2, dim: 1);
        return q.matmul(s.t()).argmax(1).eq(arange(support.shape[0], ScalarType.Int64)).to(ScalarType.Float64).mean().item<double>();
    }

    [Fact]
    public void PrincipalDirections_AnisotropicData_RowsAreTheLargestAxesInOrder()
    {
        using var generator = new Generator(7);
        using var scales = tensor(new[] { 5f, 1f, 3f, 0.5f, 0.2f, 0.1f });
        using var x = randn([2000, 6], generator: generator) * scales;
        using var centredX = x - x.mean([0]);

        using var rows = ProjectionTrainer.PrincipalDirections(centredX, 2);

        rows.shape.Should().Equal(2, 6);
        Math.Abs(rows[0, 0].item<float>()).Should().BeGreaterThan(0.99f, "the first direction is the axis of spread 5");
        Math.Abs(rows[1, 2].item<float>()).Should().BeGreaterThan(0.99f, "the second is the axis of spread 3");
        using var gram = rows.matmul(rows.t());
        using var identity = eye(2);
        (gram - identity).abs().max().item<float>().Should().BeLessThan(1e-5f);
    }

    [Fact]
    public void Train_ShorterOutput_StartsAtThePrincipalDirectionsOfTheCentredRows()
    {
        var (a, b) = ShiftedViews(3, 100, offset: 4f);
        using var features = cat([a, b], 0);
        int[] classes = [.. Enumerable.Range(0, 100), .. Enumerable.Range(0, 100)];

        // A learning rate too small to move the matrix: what comes back is where training started.
        var result = ProjectionTrainer.Train(features, classes, new ProjectionTrainingOptions { OutputSize = 4, Epochs = 1, LearningRate = 1e-12, WeightDecay = 0, Center = true });

        using var centred = features - features.mean([0]);
        using var start = ProjectionTrainer.PrincipalDirections(centred, 4);
        result.Weight.Should().HaveCount(4 * D);
        result.Weight.Zip(start.data<float>().ToArray()).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-4);
        a.Dispose();
        b.Dispose();
    }

    private static EmbedderOptions Rgb64() => new()
    {
        Backbone = new ResNet18Options(),
        Preprocessing = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 64, Height = 64 },
        Device = DeviceChoice.Cpu,
    };

    [Fact]
    public void SaveLoad_CentredProjectionOfARepooledBase_AppliesBothAndRefusesACorruptMean()
    {
        string baseFolder = Path.Combine(_root, "base"), folder = Path.Combine(_root, "projection");
        using var network = Embedder.Create(Rgb64());
        ModelFile.Save(network, baseFolder);
        using var repooled = PretrainedModels.WithPooling(network, StagePooling.ParseList("layer3:2"));
        int d = repooled.EmbeddingSize;
        d.Should().Be(1024, "layer3 has 256 channels, pooled on 2x2 cells");
        var random = new Random(5);
        var w = Enumerable.Range(0, 16 * d).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var mean = Enumerable.Range(0, d).Select(_ => (float)random.NextDouble()).ToArray();
        using var projected = new ProjectedEmbedder(repooled, w, 16, inputMean: mean);
        projected.Save(folder, Path.Combine("..", "base"));

        // The base folder holds the network with ResNet-18's own pooling; the projection records the re-pooling.
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, ProjectedEmbedder.MetadataFileName)))!;
        json["formatVersion"]!.GetValue<int>().Should().Be(3);
        json["basePooling"]!.GetValue<string>().Should().Be("layer3:2");
        string meanFile = Path.Combine(folder, json["inputMean"]!["file"]!.GetValue<string>());
        new FileInfo(meanFile).Length.Should().Be(4L * d);

        using var images = rand(2, 3, 64, 64);
        using (var loaded = ProjectedEmbedder.Load(folder, path => ModelFile.Load(path)))
        {
            loaded.InputSize.Should().Be(d);
            loaded.GetInputMean().Should().Equal(mean);
            loaded.GetFingerprint().Should().Be(projected.GetFingerprint());
            using var expected = projected.Embed(images);
            using var actual = loaded.Embed(images);
            (actual - expected).abs().max().item<float>().Should().Be(0f);

            // By hand: the re-pooled base, minus the mean, times the matrix, at unit norm.
            using var byHand = nn.functional.normalize((repooled.Embed(images) - tensor(mean)).matmul(tensor(w, [16, d]).t()), p: 2, dim: 1);
            (actual - byHand).abs().max().item<float>().Should().BeLessThan(1e-5f);
        }

        // The same matrix with another mean is another projection: the folder is not overwritten.
        using (var otherMean = new ProjectedEmbedder(repooled, w, 16, inputMean: mean.Select(m => m + 1f).ToArray()))
        {
            FluentActions.Invoking(() => otherMean.Save(folder, Path.Combine("..", "base"))).Should().Throw<IOException>().WithMessage("*already holds a different projection*");
        }

        Directory.GetFiles(folder, "mean-*.bin").Should().Equal(meanFile);

        // A reader of version 1 semantics must not ignore the mean: version 1 with an input mean is refused.
        string metadata = Path.Combine(folder, ProjectedEmbedder.MetadataFileName);
        string text = File.ReadAllText(metadata);
        File.WriteAllText(metadata, text.Replace("\"formatVersion\": 3", "\"formatVersion\": 1", StringComparison.Ordinal));
        FluentActions.Invoking(() => ProjectedEmbedder.Load(folder, path => ModelFile.Load(path)))
            .Should().Throw<ModelFormatException>().WithMessage("*format version 1 with an input mean or base pooling*");
        File.WriteAllText(metadata, text);

        // A corrupt mean: refused, naming the file.
        var bytes = File.ReadAllBytes(meanFile);
        bytes[9] ^= 0x20;
        File.WriteAllBytes(meanFile, bytes);
        FluentActions.Invoking(() => ProjectedEmbedder.Load(folder, path => ModelFile.Load(path)))
            .Should().Throw<ModelFormatException>().Where(e => e.FilePath == meanFile).WithMessage("*SHA-256*");
    }

    [Fact]
    public void Load_BasePoolingOnANetworkThatIsNotAResNet18_IsRefusedNamingTheBase()
    {
        string baseFolder = Path.Combine(_root, "conv4"), folder = Path.Combine(_root, "projection");
        using var conv4 = Embedder.Create(new EmbedderOptions { Backbone = new Conv4Options { Widths = [8, 8, 8, 8] }, Device = DeviceChoice.Cpu });
        ModelFile.Save(conv4, baseFolder);
        using (var projected = new ProjectedEmbedder(conv4, Enumerable.Repeat(0.5f, 4 * conv4.EmbeddingSize).ToArray(), 4))
        {
            projected.Save(folder, Path.Combine("..", "conv4"));
        }

        string metadata = Path.Combine(folder, ProjectedEmbedder.MetadataFileName);
        var json = JsonNode.Parse(File.ReadAllText(metadata))!;
        json["formatVersion"] = 3;
        json["basePooling"] = "layer3:2";
        File.WriteAllText(metadata, json.ToJsonString());

        FluentActions.Invoking(() => ProjectedEmbedder.Load(folder, path => ModelFile.Load(path)))
            .Should().Throw<ModelFormatException>().WithMessage("*re-pools its base (layer3:2)*needs a ResNet-18*conv4*");

        json["basePooling"] = "layer9:2";
        File.WriteAllText(metadata, json.ToJsonString());
        FluentActions.Invoking(() => ProjectedEmbedder.Load(folder, path => ModelFile.Load(path)))
            .Should().Throw<ModelFormatException>().Where(e => e.FilePath == metadata).WithMessage("*invalid basePooling 'layer9:2'*");
    }

    [Fact]
    public void TunedTail_WithCenter_IsRefused()
    {
        using var network = Embedder.Create(Rgb64());
        using var maps = zeros(4, 256, 4, 4);
        FluentActions.Invoking(() => TunedTailTrainer.Train(network, 1, maps, [0, 0, 1, 1], new ProjectionTrainingOptions { Center = true }))
            .Should().Throw<ArgumentException>().WithMessage("*Centring*tuned blocks*");
    }
}
