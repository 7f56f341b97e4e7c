using System.Text.Json;
using OneShot.Verification;
using OneShot.QuickStart;
using OneShot.Serialization;
using OneShot.Tests.Training;

namespace OneShot.Tests.Cli;

[Collection(TorchGlobalState.Name)]
public sealed class CliVerifyTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-cli-verify");
    private readonly string _model;
    private readonly string _a1;
    private readonly string _a2;

    public CliVerifyTests()
    {
        var (support, query) = GlyphTask.WriteTask(_root, classes: 2, queries: 1, seed: 4);
        _a1 = Path.Combine(support, "glyph-01", "0.png");
        _a2 = Path.Combine(query, "glyph-02", "1.png");
        _model = Path.Combine(_root, "siamese");
        using var siameseEmbedder = SyntheticClasses.TinyConv4();
        using var siamese = new SiameseModel(siameseEmbedder, SiameseHead.Contrastive(margin: 2.0));
        siamese.Save(_model);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Verify_SameFileTwice_IsSameWithScoreZeroAgainstTheDefaultThreshold()
    {
        var (code, output, error) = CliRunner.Invoke("verify", "--model", _model, _a1, _a1, "--json");

        code.Should().Be(0, error);
        using var json = JsonDocument.Parse(output);
        json.RootElement.GetProperty("same").GetBoolean().Should().BeTrue();
        json.RootElement.GetProperty("score").GetDouble().Should().BeApproximately(0, 1e-3, "a contrastive score is minus the distance, 0 for one image twice");
        json.RootElement.GetProperty("threshold").GetDouble().Should().Be(-1.0, "the default contrastive threshold is half the margin below 0");
        json.RootElement.GetProperty("head").GetString().Should().Be("contrastive");
    }

    [Fact]
    public void Verify_ManualThresholdAboveZero_SaysDifferentInTheTable()
    {
        var (code, output, _) = CliRunner.Invoke("verify", "--model", _model, _a1, _a2, "--threshold", "0.5");

        code.Should().Be(0);
        output.Should().StartWith("different: score -").And.Contain("< threshold 0.5").And.Contain("Manual");
    }

    [Fact]
    public void Verify_PlainModel_ExitsTwoSayingItHasNoSiameseSection()
    {
        var (code, _, error) = CliRunner.Invoke("verify", "--model", Path.Combine(TestPaths.RepoRoot, "models", "omniglot-conv4"), _a1, _a2);

        code.Should().Be(2);
        error.Should().Contain("no siamese section").And.Contain("model.json");
    }

    [Fact]
    public void Verify_MissingImage_ExitsTwoNamingIt()
    {
        string missing = Path.Combine(_root, "nope.png");

        var (code, _, error) = CliRunner.Invoke("verify", "--model", _model, _a1, missing);

        code.Should().Be(2);
        error.Should().Contain(missing);
        ModelFile.ReadMetadata(_model).SiameseHead.Should().Be(SiameseHeadKind.Contrastive);
    }
}
