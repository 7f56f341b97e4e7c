using System.Text.Json;
using OneShot.QuickStart;
using OneShot.Serialization.Onnx;
using OneShot.Tests.Cli;
using OneShot.Tests.Embeddings;

namespace OneShot.Tests.Onnx;

/// <summary><c>oneshot export-onnx</c>, and <c>--model x.onnx</c> in enroll / classify / evaluate.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class CliOnnxTests : IDisposable
{
    private static readonly string Model = Path.Combine(TestPaths.RepoRoot, "models", "omniglot-conv4");
    private readonly string _root = TestPaths.NewTempFolder("oneshot-cli-onnx");
    private readonly string _support;
    private readonly string _query;

    public CliOnnxTests()
    {
        (_support, _query) = GlyphTask.WriteTask(_root, classes: 5, queries: 4, seed: 3);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void ExportOnnx_ThenEnrollAndClassifyWithOnnx_SameLabelsAsTheModelFolder()
    {
        string onnx = Path.Combine(_root, "out", "conv4.onnx");
        var (exportCode, exportOut, exportError) = CliRunner.Invoke("export-onnx", "--model", Model, "--out", onnx);
        exportCode.Should().Be(0, exportError);
        exportOut.Should().Contain("input 'images' [batch,1,28,28] -> output 'embeddings' [batch,128], opset 17");
        File.Exists(onnx).Should().BeTrue();
        OnnxSidecarFile.Read(onnx + ".json").Architecture.Should().Be("conv4");

        string[] torchLabels = EnrollAndClassify(Path.Combine(_root, "torch.gallery"), Model);
        string[] onnxLabels = EnrollAndClassify(Path.Combine(_root, "onnx.gallery"), onnx);

        onnxLabels.Should().HaveCount(20).And.Equal(torchLabels);
    }

    [Fact]
    public void ExportOnnx_CentredProjectionOfAGridPooledResNet_OnnxEmbedderMatchesTheFolder()
    {
        string baseFolder = Path.Combine(_root, "resnet"), projectionFolder = Path.Combine(_root, "projection");
        using (var resnet = OnnxTestModels.CreatePooled("layer4:1", seed: 9))
        {
            OneShot.Serialization.ModelFile.Save(resnet, baseFolder);
            using var pooled = OneShot.Serialization.PretrainedModels.WithPooling(resnet, OneShot.Embeddings.StagePooling.ParseList("layer3:4"));
            var random = new Random(4);
            float[] weight = [.. Enumerable.Range(0, 16 * 4096).Select(_ => (float)(random.NextDouble() - 0.5))];
            float[] mean = [.. Enumerable.Range(0, 4096).Select(_ => (float)random.NextDouble())];
            using var projection = new OneShot.Transfer.ProjectedEmbedder(pooled, weight, 16, inputMean: mean);
            projection.Save(projectionFolder, baseFolder);
        }

        string onnx = Path.Combine(_root, "projection.onnx");
        var (code, stdout, error) = CliRunner.Invoke("export-onnx", "--model", projectionFolder, "--out", onnx);

        code.Should().Be(0, error);
        stdout.Should().Contain("resnet18+projection: input 'images' [batch,3,72,72] -> output 'embeddings' [batch,16]");
        using var folder = OneShot.Transfer.ProjectedEmbedder.Load(projectionFolder, path => OneShot.Serialization.ModelFile.Load(path));
        using var exported = OneShot.Onnx.OnnxEmbedder.Load(onnx);
        using var images = TensorAssert.Images(3, 3, 72, 72, seed: 2);
        using var expected = folder.Embed(images);
        using var actual = exported.Embed(images);
        OnnxTestModels.RelativeError(OnnxTestModels.Values(actual), OnnxTestModels.Values(expected)).Should().BeLessThan(1e-5);

        // info describes both without loading a network: the projection folder from projection.json, the ONNX file from its sidecar.
        var (infoCode, info, infoError) = CliRunner.Invoke("info", projectionFolder, "--json");
        infoCode.Should().Be(0, infoError);
        using (var json = JsonDocument.Parse(info))
        {
            var root = json.RootElement;
            (root.GetProperty("kind").GetString(), root.GetProperty("basePooling").GetString(), root.GetProperty("centred").GetBoolean(), root.GetProperty("tunedBase").GetBoolean())
                .Should().Be(("projection", "layer3:4", true, false));
            (root.GetProperty("inputSize").GetInt32(), root.GetProperty("embeddingSize").GetInt32()).Should().Be((4096, 16));
        }

        (infoCode, info, infoError) = CliRunner.Invoke("info", onnx, "--json");
        infoCode.Should().Be(0, infoError);
        using (var json = JsonDocument.Parse(info))
        {
            var root = json.RootElement;
            (root.GetProperty("kind").GetString(), root.GetProperty("architecture").GetString(), root.GetProperty("input").GetString(), root.GetProperty("image").GetString())
                .Should().Be(("onnx", "resnet18+projection", "images", "3x72x72"));
            root.GetProperty("bytes").GetInt64().Should().Be(new FileInfo(onnx).Length);
        }

        File.Delete(onnx + ".json");
        (infoCode, _, infoError) = CliRunner.Invoke("info", onnx);
        infoCode.Should().Be(OneShot.Cli.ExitCodes.Data);
        infoError.Should().Contain(onnx + ".json").And.Contain("was not found");
    }

    [Fact]
    public void ExportOnnx_MissingModelFolder_ExitsWithDataErrorNamingIt()
    {
        string missing = Path.Combine(_root, "no-such-model");

        var (code, _, error) = CliRunner.Invoke("export-onnx", "--model", missing, "--out", Path.Combine(_root, "x.onnx"));

        code.Should().Be(2);
        error.Should().Contain("no-such-model");
        File.Exists(Path.Combine(_root, "x.onnx")).Should().BeFalse();
    }

    [Fact]
    public void Enroll_OnnxModelWithoutSidecar_ExitsWithDataErrorNamingTheSidecar()
    {
        string onnx = Path.Combine(_root, "conv4.onnx");
        CliRunner.Invoke("export-onnx", "--model", Model, "--out", onnx).Code.Should().Be(0);
        File.Delete(onnx + ".json");

        var (code, _, error) = CliRunner.Invoke("enroll", Path.Combine(_root, "g.gallery"), _support, "--model", onnx);

        code.Should().Be(2);
        error.Should().Contain("conv4.onnx.json").And.Contain("was not found");
    }

    private string[] EnrollAndClassify(string gallery, string model)
    {
        var (enrollCode, _, enrollError) = CliRunner.Invoke("enroll", gallery, _support, "--model", model, "--json");
        enrollCode.Should().Be(0, enrollError);
        var (code, output, error) = CliRunner.Invoke("classify", gallery, _query, "--json");
        code.Should().Be(0, error);
        using var json = JsonDocument.Parse(output);
        return json.RootElement.EnumerateArray().Select(r => $"{Path.GetFileName(r.GetProperty("file").GetString())}={r.GetProperty("label").GetString()}").ToArray();
    }
}
