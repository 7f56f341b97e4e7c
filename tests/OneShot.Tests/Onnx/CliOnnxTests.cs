using System.Text.Json;
using OneShot.QuickStart;
using OneShot.Serialization.Onnx;
using OneShot.Tests.Cli;

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
