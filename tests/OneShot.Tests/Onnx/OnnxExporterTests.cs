using Microsoft.ML.OnnxRuntime;
using OneShot.Serialization.Onnx;
using OneShot.Tests.Embeddings;
using OneShot.Transfer;

namespace OneShot.Tests.Onnx;

/// <summary>ONNX export: ONNX Runtime runs the exported graph and matches TorchSharp's Embed.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class OnnxExporterTests : IDisposable
{
    private readonly string _folder = TestPaths.NewTempFolder("oneshot-onnx-export");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("conv4", true)]
    [InlineData("conv4", false)]
    [InlineData("resnet12", false)]
    [InlineData("resnet12", true)]
    [InlineData("resnet18", true)]
    [InlineData("resnet18-2223", false)]
    public void Export_OnnxRuntimeAtBatch1And5_MatchesEmbedWithin1e5Relative(string architecture, bool l2)
    {
        using var embedder = OnnxTestModels.Create(architecture, l2);
        string path = Path.Combine(_folder, $"{architecture}.onnx");
        OnnxExporter.Export(embedder, path);
        var p = embedder.Preprocessing;

        using var session = new InferenceSession(path);
        session.InputMetadata[OnnxExporter.InputName].Dimensions.Should().Equal([-1, p.Channels, p.Height, p.Width], "the batch dimension is dynamic");
        foreach (int batch in new[] { 1, 5 })
        {
            using var images = TensorAssert.Images(batch, p.Channels, p.Height, p.Width, seed: batch);
            using var expected = embedder.Embed(images);
            float[] actual = Run(session, OnnxTestModels.Values(images), [batch, p.Channels, p.Height, p.Width]);

            actual.Length.Should().Be(batch * embedder.EmbeddingSize);
            OnnxTestModels.RelativeError(actual, OnnxTestModels.Values(expected)).Should().BeLessThan(1e-5, $"{architecture} at batch {batch}");
        }
    }

    [Theory]
    [InlineData("layer3:4", 4096)]
    [InlineData("layer2:3,layer3:1,layer4:2", 3456)]
    public void Export_GridPooledResNet18_OnnxRuntimeMatchesEmbedWithin1e5Relative(string pooling, int size)
    {
        using var embedder = OnnxTestModels.CreatePooled(pooling);
        embedder.EmbeddingSize.Should().Be(size);
        string path = Path.Combine(_folder, "pooled.onnx");

        OnnxExporter.Export(embedder, path);

        using var session = new InferenceSession(path);
        using var images = TensorAssert.Images(3, 3, 72, 72, seed: 11);
        using var expected = embedder.Embed(images);
        float[] actual = Run(session, OnnxTestModels.Values(images), [3, 3, 72, 72]);
        OnnxTestModels.RelativeError(actual, OnnxTestModels.Values(expected)).Should().BeLessThan(1e-5, pooling);
    }

    [Fact]
    public void ExportProjection_CentredProjectionOfAGridBase_OnnxRuntimeMatchesEmbedWithin1e5RelativeAndSidecarNamesIt()
    {
        var random = new Random(3);
        float[] weight = [.. Enumerable.Range(0, 24 * 4096).Select(_ => (float)(random.NextDouble() - 0.5))];
        float[] mean = [.. Enumerable.Range(0, 4096).Select(_ => (float)random.NextDouble())];
        using var projection = new ProjectedEmbedder(OnnxTestModels.CreatePooled("layer3:4"), weight, 24, ownsBase: true, inputMean: mean);
        string path = Path.Combine(_folder, "projection.onnx");

        var sidecar = OnnxExporter.ExportProjection(projection, path, "grid projection");

        sidecar.EmbeddingSize.Should().Be(24);
        sidecar.Architecture.Should().Be("resnet18+projection");
        sidecar.Preprocessing.Should().Be(projection.Preprocessing);
        sidecar.L2Normalize.Should().BeFalse("the graph normalises");
        OnnxSidecarFile.Read(path + ".json").Should().BeEquivalentTo(sidecar);
        using var session = new InferenceSession(path);
        foreach (int batch in new[] { 1, 4 })
        {
            using var images = TensorAssert.Images(batch, 3, 72, 72, seed: batch);
            using var expected = projection.Embed(images);
            float[] actual = Run(session, OnnxTestModels.Values(images), [batch, 3, 72, 72]);
            OnnxTestModels.RelativeError(actual, OnnxTestModels.Values(expected)).Should().BeLessThan(1e-5, $"batch {batch}");
        }
    }

    [Fact]
    public void ExportProjection_BaseIsNotATorchSharpNetwork_ThrowsNotSupportedNamingIt()
    {
        using var inner = new ProjectedEmbedder(OnnxTestModels.Create("conv4", l2: false), Identity(8), 8, ownsBase: true);
        using var outer = new ProjectedEmbedder(inner, Identity(8), 8);
        string path = Path.Combine(_folder, "nested.onnx");

        var act = () => OnnxExporter.ExportProjection(outer, path);

        act.Should().Throw<NotSupportedException>().WithMessage("*projection of a TorchSharp network*base is a ProjectedEmbedder ('conv4+projection')*");
        File.Exists(path).Should().BeFalse();
    }

    private static float[] Identity(int n) => [.. Enumerable.Range(0, n * n).Select(i => i / n == i % n ? 1f : 0f)];

    [Fact]
    public void Export_L2Normalized_OutputRowsHaveUnitLength()
    {
        using var embedder = OnnxTestModels.Create("conv4", l2: true);
        string path = Path.Combine(_folder, "conv4.onnx");
        OnnxExporter.Export(embedder, path);

        using var session = new InferenceSession(path);
        using var images = TensorAssert.Images(3, 1, 28, 28);
        float[] output = Run(session, OnnxTestModels.Values(images), [3, 1, 28, 28]);

        for (int row = 0; row < 3; row++)
        {
            double norm = Math.Sqrt(output.Skip(row * 8).Take(8).Sum(v => (double)v * v));
            norm.Should().BeApproximately(1.0, 1e-5);
        }
    }

    [Fact]
    public void Export_WritesSidecarWithNamesPreprocessingAndSize()
    {
        using var embedder = OnnxTestModels.Create("resnet12", l2: true);
        string path = Path.Combine(_folder, "model.onnx");

        OnnxExporter.Export(embedder, path, "a test model");
        var sidecar = OnnxSidecarFile.Read(Path.Combine(_folder, "model.onnx.json"));

        sidecar.InputName.Should().Be("images");
        sidecar.OutputName.Should().Be("embeddings");
        sidecar.Preprocessing.Should().Be(embedder.Preprocessing);
        sidecar.EmbeddingSize.Should().Be(10);
        sidecar.L2Normalize.Should().BeFalse("the exported graph normalises already");
        sidecar.Architecture.Should().Be("resnet12");
        sidecar.Description.Should().Be("a test model");
    }

    [Theory]
    [InlineData("imagenet")]
    [InlineData("cntk")]
    [InlineData("clip")]
    public void SidecarWriteThenRead_PretrainedPresets_KeepEveryPreprocessingField(string preset)
    {
        var preprocessing = preset switch
        {
            "imagenet" => OneShot.Data.PreprocessingPresets.ImageNet,
            "cntk" => OneShot.Data.PreprocessingPresets.CntkResNet18(),
            _ => OneShot.Data.PreprocessingPresets.Clip,
        };
        string path = Path.Combine(_folder, "preset.onnx.json");
        var written = new OnnxSidecar { InputName = "x", OutputName = "y", Preprocessing = preprocessing, EmbeddingSize = 512, Architecture = "resnet18" };

        OnnxSidecarFile.Write(path, written);
        var read = OnnxSidecarFile.Read(path);

        read.Preprocessing.Should().Be(preprocessing);
        read.Preprocessing.ToCanonicalString().Should().Be(preprocessing.ToCanonicalString());
    }

    private static float[] Run(InferenceSession session, float[] input, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [OnnxExporter.InputName], [value], [OnnxExporter.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
