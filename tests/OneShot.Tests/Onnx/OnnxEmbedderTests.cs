using OneShot.Classification;
using OneShot.Galleries;
using OneShot.Onnx;
using OneShot.Serialization;
using OneShot.Serialization.Onnx;
using OneShot.Tests.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Tests.Onnx;

/// <summary>ONNX Runtime as an embedder: the same gallery predictions as TorchSharp, typed errors naming the file.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class OnnxEmbedderTests : IDisposable
{
    private const int Classes = 5;
    private readonly string _folder = TestPaths.NewTempFolder("oneshot-onnx-embedder");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Gallery_ExportedConv4_PredictsLikeTorchSharpEmbedder()
    {
        using var torchEmbedder = OnnxTestModels.Create("conv4", l2: true);
        string path = Export(torchEmbedder);
        using var onnxEmbedder = OnnxEmbedder.Load(path);
        var options = new GalleryOptions { Classifier = new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine } };
        using var support = ClassImages(shots: 2, noise: 0.3, seed: 11);
        using var queries = ClassImages(shots: 4, noise: 0.6, seed: 12);

        using var torchGallery = Enroll(new Gallery(torchEmbedder, options), support);
        using var onnxGallery = Enroll(new Gallery(onnxEmbedder, options), support);
        var expected = torchGallery.ClassifyBatch(queries);
        var actual = onnxGallery.ClassifyBatch(queries);

        actual.Select(p => p.Label).Should().Equal(expected.Select(p => p.Label));
        actual.Select(p => p.Score).Should().Equal(expected.Select(p => p.Score), (a, e) => Math.Abs(a - e) < 1e-5);
        expected.Select(p => p.Label).Distinct().Should().HaveCountGreaterThan(1, "the queries must not all fall into one class");
    }

    [Fact]
    public void ManagedPath_ExportedConv4_PredictsLikeGallery()
    {
        using var torchEmbedder = OnnxTestModels.Create("conv4", l2: true);
        string path = Export(torchEmbedder);
        using var model = OnnxEmbeddingModel.Load(path);
        using var support = ClassImages(shots: 2, noise: 0.3, seed: 11);
        using var queries = ClassImages(shots: 4, noise: 0.6, seed: 12);
        using var gallery = Enroll(new Gallery(torchEmbedder, new GalleryOptions { Classifier = new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine } }), support);

        var managed = new ManagedPrototypeClassifier(model.EmbeddingSize);
        float[] supportEmbeddings = model.Embed(OnnxTestModels.Values(support), (int)support.shape[0]);
        for (int i = 0; i < support.shape[0]; i++)
        {
            managed.Enroll(Label(i, 2), supportEmbeddings.AsSpan(i * model.EmbeddingSize, model.EmbeddingSize));
        }

        float[] queryEmbeddings = model.Embed(OnnxTestModels.Values(queries), (int)queries.shape[0]);
        var actual = Enumerable.Range(0, (int)queries.shape[0])
            .Select(i => managed.Predict(queryEmbeddings.AsSpan(i * model.EmbeddingSize, model.EmbeddingSize)))
            .ToList();
        var expected = gallery.ClassifyBatch(queries);

        actual.Select(p => p.Label).Should().Equal(expected.Select(p => p.Label));
        actual.Select(p => (double)p.Distance).Should().Equal(expected.Select(p => p.Score), (a, e) => Math.Abs(a - e) < 1e-4);
    }

    [Fact]
    public void Embed_UnnormalizedModelWithSidecarL2Normalize_ReturnsUnitRows()
    {
        using var torchEmbedder = OnnxTestModels.Create("conv4", l2: false);
        string path = Export(torchEmbedder);
        var sidecar = OnnxSidecarFile.Read(OnnxSidecarFile.PathFor(path)) with { L2Normalize = true };
        OnnxSidecarFile.Write(OnnxSidecarFile.PathFor(path), sidecar);
        using var onnxEmbedder = OnnxEmbedder.Load(path);
        using var images = TensorAssert.Images(3, 1, 28, 28);

        using var embeddings = onnxEmbedder.Embed(images);
        using var raw = torchEmbedder.Embed(images);
        using var expected = nn.functional.normalize(raw, p: 2, dim: 1);

        OnnxTestModels.RelativeError(OnnxTestModels.Values(embeddings), OnnxTestModels.Values(expected)).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Fingerprint_IsTheOnnxFileAndDiffersFromTheTorchSharpEmbedder()
    {
        using var torchEmbedder = OnnxTestModels.Create("conv4", l2: true);
        string path = Export(torchEmbedder);
        using var onnxEmbedder = OnnxEmbedder.Load(path);

        var fingerprint = onnxEmbedder.GetFingerprint();

        fingerprint.Architecture.Should().Be("conv4");
        fingerprint.WeightsSha256.Should().Be(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))));
        fingerprint.Should().NotBe(torchEmbedder.GetFingerprint());
        onnxEmbedder.EmbeddingSize.Should().Be(8);
    }

    [Fact]
    public void Load_SidecarNamesUnknownInput_ThrowsModelFormatExceptionNamingSidecarAndInputs()
    {
        string path = ExportWithSidecar(s => s with { InputName = "pixel_values" });

        var act = () => OnnxEmbedder.Load(path);

        act.Should().Throw<ModelFormatException>()
            .Where(e => e.FilePath == path + ".json")
            .WithMessage("*model.onnx.json*names input 'pixel_values'*has input(s) 'images'*");
    }

    [Fact]
    public void Load_SidecarNamesUnknownOutput_ThrowsModelFormatExceptionNamingOutputs()
    {
        string path = ExportWithSidecar(s => s with { OutputName = "image_embeds" });

        var act = () => OnnxEmbedder.Load(path);

        act.Should().Throw<ModelFormatException>()
            .Where(e => e.FilePath == path + ".json")
            .WithMessage("*names output 'image_embeds'*has output(s) 'embeddings'*");
    }

    [Fact]
    public void Load_SidecarSizeDoesNotFitModelInput_ThrowsModelFormatExceptionWithBothShapes()
    {
        string path = ExportWithSidecar(s => s with { Preprocessing = s.Preprocessing with { Width = 32, Height = 32 } });

        var act = () => OnnxEmbedder.Load(path);

        act.Should().Throw<ModelFormatException>()
            .WithMessage("*input 'images' is Float [-1,1,28,28]*gives float [N,1,32,32]*");
    }

    [Fact]
    public void Load_SidecarEmbeddingSizeWrong_ThrowsModelFormatException()
    {
        string path = ExportWithSidecar(s => s with { EmbeddingSize = 64 });

        var act = () => OnnxEmbedder.Load(path);

        act.Should().Throw<ModelFormatException>().WithMessage("*says embeddingSize 64*outputs 8 values per image*");
    }

    [Fact]
    public void Load_MissingSidecar_ThrowsModelFormatExceptionNamingIt()
    {
        using var torchEmbedder = OnnxTestModels.Create("conv4", l2: true);
        string path = Export(torchEmbedder);
        File.Delete(path + ".json");

        var act = () => OnnxEmbedder.Load(path);

        act.Should().Throw<ModelFormatException>().Where(e => e.FilePath == path + ".json").WithMessage("*sidecar file*model.onnx.json*was not found*");
    }

    [Fact]
    public void Load_SidecarNotJson_ThrowsModelFormatExceptionNamingIt()
    {
        using var torchEmbedder = OnnxTestModels.Create("conv4", l2: true);
        string path = Export(torchEmbedder);
        File.WriteAllText(path + ".json", "{ \"formatVersion\": 1, \"input\": ");

        var act = () => OnnxEmbedder.Load(path);

        act.Should().Throw<ModelFormatException>().WithMessage("*model.onnx.json' is not valid*");
    }

    [Fact]
    public void Load_NotAnOnnxFile_ThrowsModelFormatExceptionNamingIt()
    {
        using var torchEmbedder = OnnxTestModels.Create("conv4", l2: true);
        string path = Export(torchEmbedder);
        File.WriteAllText(path, "not a model");

        var act = () => OnnxEmbedder.Load(path);

        act.Should().Throw<ModelFormatException>().Where(e => e.FilePath == path).WithMessage("*ONNX Runtime cannot load*model.onnx*");
    }

    private string Export(OneShot.Embeddings.Embedder embedder)
    {
        string path = Path.Combine(_folder, "model.onnx");
        OnnxExporter.Export(embedder, path);
        return path;
    }

    private string ExportWithSidecar(Func<OnnxSidecar, OnnxSidecar> change)
    {
        using var torchEmbedder = OnnxTestModels.Create("conv4", l2: true);
        string path = Export(torchEmbedder);
        string sidecarPath = OnnxSidecarFile.PathFor(path);
        OnnxSidecarFile.Write(sidecarPath, change(OnnxSidecarFile.Read(sidecarPath)));
        return path;
    }

    private static string Label(int index, int shots) => $"class{index / shots}";

    /// <summary><paramref name="shots"/> noisy copies of five fixed random 28x28 patterns, class by class.</summary>
    private static Tensor ClassImages(int shots, double noise, long seed)
    {
        using var scope = NewDisposeScope();
        using var patternGenerator = new Generator(99);
        using var noiseGenerator = new Generator((ulong)seed);
        var patterns = rand([Classes, 1, 1, 28, 28], generator: patternGenerator);
        var images = patterns.expand(Classes, shots, 1, 28, 28) + (noise * randn([Classes, shots, 1, 28, 28], generator: noiseGenerator));
        return images.reshape(Classes * shots, 1, 28, 28).contiguous().MoveToOuterDisposeScope();
    }

    private static Gallery Enroll(Gallery gallery, Tensor support)
    {
        int shots = (int)support.shape[0] / Classes;
        for (int c = 0; c < Classes; c++)
        {
            using var images = support.narrow(0, c * shots, shots);
            gallery.Enroll($"class{c}", images);
        }

        return gallery;
    }
}
