using Microsoft.ML.OnnxRuntime;
using OneShot.Serialization.Onnx;
using OneShot.Tests.Embeddings;

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
