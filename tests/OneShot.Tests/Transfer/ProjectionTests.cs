using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Transfer;
using static TorchSharp.torch;

namespace OneShot.Tests.Transfer;

/// <summary>
/// Transfer + metric learning on a frozen embedder: <see cref="ProjectionTrainer"/> learns a projection that recovers the
/// class signal frozen features hide under nuisance dimensions, <see cref="ProjectedEmbedder"/> applies it, and a saved
/// projection folder references its base, refuses a different base and a corrupt matrix.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class ProjectionTests : IDisposable
{
    private const int Signal = 8, Nuisance = 24, D = Signal + Nuisance;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "oneshot-projection-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>
    /// Two views per class: the same small class signal in the first 8 dimensions, and 24 dimensions of large noise drawn
    /// anew for each view (an artist's style). Raw cosine similarity mostly compares the noise.
    /// </summary>
    private static (float[] A, float[] B) Views(Random random, int classes)
    {
        var a = new float[classes * D];
        var b = new float[classes * D];
        for (int c = 0; c < classes; c++)
        {
            for (int j = 0; j < D; j++)
            {
                if (j < Signal)
                {
                    float s = Gaussian(random);
                    a[(c * D) + j] = s + (0.1f * Gaussian(random));
                    b[(c * D) + j] = s + (0.1f * Gaussian(random));
                }
                else
                {
                    a[(c * D) + j] = 2f * Gaussian(random);
                    b[(c * D) + j] = 2f * Gaussian(random);
                }
            }
        }

        return (a, b);
    }

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

    [Fact]
    public void Train_NuisanceDimensions_ProjectionRaisesHeldOutRank1()
    {
        var random = new Random(3);
        var (trainA, trainB) = Views(random, 400);
        var (valA, valB) = Views(random, 200);
        using var features = cat([tensor(trainA, [400, D]), tensor(trainB, [400, D])], 0);
        int[] classes = [.. Enumerable.Range(0, 400), .. Enumerable.Range(0, 400)];
        using var support = tensor(valA, [200, D]);
        using var query = tensor(valB, [200, D]);
        var seen = new List<ProjectionValidation>();

        var result = ProjectionTrainer.Train(features, classes, new ProjectionTrainingOptions { Epochs = 40, ClassesPerEpisode = 64, LearningRate = 1e-2, WeightDecay = 0 }, (support, query), new OneShot.Tests.Training.RecordingProgress<ProjectionValidation>(seen.Add));

        result.History[0].Epoch.Should().Be(0);
        result.History[0].ValidationRank1.Should().BeLessThan(0.5, "raw cosine compares mostly noise");
        result.History.Max(h => h.ValidationRank1).Should().BeGreaterThan(0.9, "the projection learns to drop the noise dimensions");
        result.BestEpoch.Should().BeGreaterThan(0);
        seen.Should().HaveCount(result.History.Count);
        result.Weight.Should().HaveCount(D * D);

        // The same matrix applied by a ProjectedEmbedder gives the validation figure the trainer reported.
        using var projection = new ProjectedEmbedder(new FeatureEmbedder(D), result.Weight, D, ownsBase: true);
        using var s = projection.Project(support);
        using var q = projection.Project(query);
        using var hits = q.matmul(s.t()).argmax(1).eq(arange(200, ScalarType.Int64));
        hits.to(ScalarType.Float64).mean().item<double>().Should().BeApproximately(result.History.First(h => h.Epoch == result.BestEpoch).ValidationRank1, 1e-9);
    }

    [Fact]
    public void Train_BadInput_ThrowsNamingTheProblem()
    {
        using var nan = full(4, D, float.NaN);
        FluentActions.Invoking(() => ProjectionTrainer.Train(nan, [0, 0, 1, 1])).Should().Throw<ArgumentException>().WithMessage("*NaN*");
        using var ok = randn(4, D);
        FluentActions.Invoking(() => ProjectionTrainer.Train(ok, [0, 1, 2, 3])).Should().Throw<ArgumentException>().WithMessage("*at least two classes with two or more examples*");
        FluentActions.Invoking(() => ProjectionTrainer.Train(ok, [0, 0, 1])).Should().Throw<ArgumentException>().WithMessage("*N = 3*");
    }

    [Fact]
    public void Embed_IsTheNormalisedProjectionOfTheBaseEmbedding()
    {
        using var conv4 = Embedder.Create(new EmbedderOptions { Backbone = new Conv4Options { Widths = [8, 8, 8, 8] }, Device = DeviceChoice.Cpu });
        int d = conv4.EmbeddingSize;
        var w = Enumerable.Range(0, 16 * d).Select(i => (float)Math.Sin(i)).ToArray();
        using var projected = new ProjectedEmbedder(conv4, w, 16);
        using var images = rand(3, 1, 28, 28);

        using var expected = nn.functional.normalize(conv4.Embed(images).matmul(tensor(w, [16, d]).t()), p: 2, dim: 1);
        using var actual = projected.Embed(images);

        actual.shape.Should().Equal(3, 16);
        projected.EmbeddingSize.Should().Be(16);
        projected.Architecture.Should().Be(conv4.Architecture + "+projection");
        (actual - expected).abs().max().item<float>().Should().BeLessThan(1e-6f);
        projected.GetFingerprint().WeightsSha256.Should().NotBe(conv4.GetFingerprint().WeightsSha256);
    }

    [Fact]
    public void SaveLoad_RoundTripsAndChecksTheBase()
    {
        string baseFolder = Path.Combine(_dir, "base"), folder = Path.Combine(_dir, "projection");
        using var conv4 = Embedder.Create(new EmbedderOptions { Backbone = new Conv4Options { Widths = [8, 8, 8, 8] }, Device = DeviceChoice.Cpu });
        ModelFile.Save(conv4, baseFolder);
        int d = conv4.EmbeddingSize;
        var w = Enumerable.Range(0, d * d).Select(i => i % (d + 1) == 0 ? 1f : 0.01f * (i % 7)).ToArray();
        using (var projected = new ProjectedEmbedder(conv4, w, d))
        {
            projected.Save(folder, Path.Combine("..", "base"), "test", new Dictionary<string, string> { ["k"] = "v" });
        }

        using var images = rand(2, 1, 28, 28);
        using (var loaded = ProjectedEmbedder.Load(folder, path => ModelFile.Load(path)))
        using (var again = new ProjectedEmbedder(conv4, w, d))
        {
            loaded.GetWeight().Should().Equal(w);
            loaded.GetFingerprint().Should().Be(again.GetFingerprint());
            using var a = loaded.Embed(images);
            using var b = again.Embed(images);
            (a - b).abs().max().item<float>().Should().Be(0f);
        }

        ProjectedEmbedder.ReadInfo(folder).Base.Should().Be(Path.Combine("..", "base"));

        // Another network in the base folder: refused, naming the base.
        using (var other = Embedder.Create(new EmbedderOptions { Backbone = new Conv4Options { Widths = [8, 8, 8, 8] }, Device = DeviceChoice.Cpu }))
        {
            string otherFolder = Path.Combine(_dir, "other");
            ModelFile.Save(other, otherFolder);
            FluentActions.Invoking(() => ProjectedEmbedder.Load(folder, _ => ModelFile.Load(otherFolder)))
                .Should().Throw<ModelFormatException>().WithMessage("*is not the network projection*");
        }

        // A corrupt matrix: refused, naming the file.
        string matrix = Directory.GetFiles(folder, "projection-*.bin").Single();
        var bytes = File.ReadAllBytes(matrix);
        bytes[5] ^= 0x40;
        File.WriteAllBytes(matrix, bytes);
        FluentActions.Invoking(() => ProjectedEmbedder.Load(folder, path => ModelFile.Load(path)))
            .Should().Throw<ModelFormatException>().Where(e => e.FilePath == matrix).WithMessage("*SHA-256*");

        // A model folder is not overwritten by a projection.
        using var p2 = new ProjectedEmbedder(conv4, w, d);
        FluentActions.Invoking(() => p2.Save(baseFolder, "x")).Should().Throw<IOException>().WithMessage("*holds a model*");
    }

    [Fact]
    public void ArtistAugmentation_SameSeedSameOutputAndTheImagesChange()
    {
        using var images = rand(4, 3, 32, 32);
        var affine = new AffineAugmentationOptions { RotationDegrees = 10, ScaleMin = 0.9, ScaleMax = 1.1 };
        using var g1 = new TorchSharp.torch.Generator(5);
        using var g2 = new TorchSharp.torch.Generator(5);

        using var a = ArtistAugmentation.Apply(images, affine, g1);
        using var b = ArtistAugmentation.Apply(images, affine, g2);

        a.shape.Should().Equal(images.shape);
        (a - b).abs().max().item<float>().Should().Be(0f);
        (a - images).abs().mean().item<float>().Should().BeGreaterThan(0.01f);
        FluentActions.Invoking(() => ArtistAugmentation.Apply(zeros(3, 32, 32), affine, g1)).Should().Throw<ArgumentException>().WithMessage("*[N,C,H,W]*");
    }

    [Fact]
    public void ShippedEmojiProjection_ReferencesImageNetResNet18AndRefusesAnotherBase()
    {
        string folder = Path.Combine(TestPaths.RepoRoot, "models", "emoji-resnet18-projection");
        var info = ProjectedEmbedder.ReadInfo(folder);
        (info.Base, info.InputSize, info.OutputSize).Should().Be((PretrainedModels.ImageNetResNet18Name, 512, 512));

        // Any 512-d base loads when the weights check is off; the matrix is intact (SHA-256) and is not the identity.
        using (var loaded = ProjectedEmbedder.Load(folder, _ => new FeatureEmbedder(512), checkBaseWeights: false))
        {
            var w = loaded.GetWeight();
            w.Should().HaveCount(512 * 512);
            Enumerable.Range(0, 512).Average(i => Math.Abs(w[(i * 512) + i] - 1f)).Should().BeGreaterThan(1e-3f, "training moved the projection away from its identity start");
            using var features = randn(3, 512);
            using var projected = loaded.Project(features);
            using var norms = projected.norm(1);
            norms.sub(1).abs().max().item<float>().Should().BeLessThan(1e-5f);
        }

        FluentActions.Invoking(() => ProjectedEmbedder.Load(folder, _ => new FeatureEmbedder(512)))
            .Should().Throw<ModelFormatException>().WithMessage("*is not the network projection*");
    }

    [Fact]
    public void ShippedEmojiProjection_LoadsOnAFreshImportOfItsBase()
    {
        // A fresh import from the NuGet package must give the very network the projection was trained on (weights SHA-256).
        string folder = Path.Combine(TestPaths.RepoRoot, "models", "emoji-resnet18-projection");
        using var projected = ProjectedEmbedder.LoadWithPretrainedCache(folder, Path.Combine(_dir, "cache"), new PretrainedModelOptions { AllowDownload = false, Device = DeviceChoice.Cpu });
        using var images = rand(2, 3, 224, 224);

        using var embedded = projected.Embed(images);
        using var expected = projected.Project(projected.Base.Embed(images));

        projected.Architecture.Should().Be("resnet18+projection");
        embedded.shape.Should().Equal(2, 512);
        (embedded - expected).abs().max().item<float>().Should().BeLessThan(1e-6f);
    }

    [Fact]
    public void ShippedEmojiGridModel_RepoolsAFreshImportOfItsBaseAndCentres()
    {
        // models/emoji-resnet18-grid: a centred projection of the same base re-pooled at layer3:4, on images cut to their
        // content. The folder names the base, its pooling and its crop; a fresh import must match the recorded weights,
        // give 4,096-d grid features and decode files with the crop.
        string folder = Path.Combine(TestPaths.RepoRoot, "models", "emoji-resnet18-grid");
        var info = ProjectedEmbedder.ReadInfo(folder);
        (info.Base, info.InputSize).Should().Be((PretrainedModels.ImageNetResNet18Name, 4096));
        var options = new PretrainedModelOptions { AllowDownload = false, Device = DeviceChoice.Cpu };
        using var grid = ProjectedEmbedder.LoadWithPretrainedCache(folder, Path.Combine(_dir, "cache"), options);
        using var images = rand(2, 3, 224, 224);

        using var embedded = grid.Embed(images);
        using var features = grid.Base.Embed(images);
        using var mean = tensor(grid.GetInputMean()!);
        using var expected = nn.functional.normalize((features - mean).matmul(tensor(grid.GetWeight(), [grid.EmbeddingSize, 4096]).t()), p: 2, dim: 1);

        features.shape.Should().Equal(2, 4096);
        ((Embedder)grid.Base).Options.Backbone.Should().BeOfType<ResNet18Options>().Which.Pooling.Should().Equal(StagePooling.ParseList("layer3:4"));
        grid.Preprocessing.ContentCropMargin.Should().Be(0.03125f);
        grid.Base.Preprocessing.ContentCropMargin.Should().Be(0.03125f);
        embedded.shape.Should().Equal(2, info.OutputSize);
        (embedded - expected).abs().max().item<float>().Should().BeLessThan(1e-5f);
    }

    [Fact]
    public void ShippedEmojiTunedModel_LoadsItsTunedBlocksOnAFreshImportOfItsBase()
    {
        // models/emoji-resnet18-tuned: the last two blocks of the same base fine-tuned with a projection. A fresh import
        // must accept it (weights SHA-256 of the untuned base), and the tuned blocks must change the base's features.
        string folder = Path.Combine(TestPaths.RepoRoot, "models", "emoji-resnet18-tuned");
        var options = new PretrainedModelOptions { AllowDownload = false, Device = DeviceChoice.Cpu };
        using var tuned = ProjectedEmbedder.LoadWithPretrainedCache(folder, Path.Combine(_dir, "cache"), options);
        using var untuned = PretrainedModels.ImageNetResNet18(Path.Combine(_dir, "cache"), options);
        using var images = rand(2, 3, 224, 224);

        using var embedded = tuned.Embed(images);
        using var tunedFeatures = tuned.Base.Embed(images);
        using var expected = tuned.Project(tunedFeatures);
        using var untunedFeatures = untuned.Embed(images);

        tuned.HasTunedBase.Should().BeTrue();
        tuned.Architecture.Should().Be("resnet18+projection");
        embedded.shape.Should().Equal(2, 512);
        (embedded - expected).abs().max().item<float>().Should().BeLessThan(1e-6f);
        using var cosine = nn.functional.cosine_similarity(tunedFeatures, untunedFeatures, 1);
        cosine.max().item<float>().Should().BeLessThan(0.999f, "the fine-tuned blocks replace the pretrained ones");
        cosine.min().item<float>().Should().BeGreaterThan(0.3f, "fine-tuning at lr 1e-4 for 15 epochs moves the features, not replaces them");
    }

    /// <summary>An embedder whose "images" are already feature vectors <c>[N, D]</c>.</summary>
    internal sealed class FeatureEmbedder(int d) : IEmbedder
    {
        public string Architecture => "features";

        public ImagePreprocessing Preprocessing { get; } = new();

        public int EmbeddingSize => d;

        public Device Device => CPU;

        public Tensor Embed(Tensor images) => images.clone();

        public EmbedderFingerprint GetFingerprint() => new("features", d.ToString(System.Globalization.CultureInfo.InvariantCulture), "", "0");

        public void Dispose()
        {
        }
    }
}
