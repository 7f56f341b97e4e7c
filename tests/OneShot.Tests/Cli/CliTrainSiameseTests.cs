using OneShot.QuickStart;
using OneShot.Serialization;
using OneShot.Tests.Training;
using OneShot.Verification;

namespace OneShot.Tests.Cli;

[Collection(TorchGlobalState.Name)]
public sealed class CliTrainSiameseTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-cli-train-siamese");
    private readonly string _data;
    private readonly string _base;

    public CliTrainSiameseTests()
    {
        (_, _data) = GlyphTask.WriteTask(_root, classes: 4, queries: 3, seed: 5);
        _base = Path.Combine(_root, "base");
        using var embedder = SyntheticClasses.TinyConv4();
        ModelFile.Save(embedder, _base, "a prototypical body");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (int Code, string Output, string Error) Train(string from, string output, params string[] extra) =>
        CliRunner.Invoke([
            "train-siamese", "--data", _data, "--init-from", from, "--steps", "6", "--pairs", "8", "--lr", "1e-2",
            "--threads", "1", "--out", output, .. extra]);

    [Fact]
    public void InitFrom_FrozenBody_KeepsTheBodysWeightsFileAndStageTwoContinuesFromItsHead()
    {
        string stage1 = Path.Combine(_root, "stage1"), stage2 = Path.Combine(_root, "stage2");

        var (code1, output1, error1) = Train(_base, stage1, "--body-lr-factor", "0");
        var (code2, output2, error2) = Train(stage1, stage2, "--body-lr-factor", "0.1");

        code1.Should().Be(0, error1);
        output1.Should().Contain($"embedder: conv4 from {_base}").And.NotContain("Koch head too");
        Path.GetFileName(ModelFile.GetWeightsPath(stage1)).Should().Be(Path.GetFileName(ModelFile.GetWeightsPath(_base)), "a frozen body is saved bit for bit, so its content-named weights file is the same");
        code2.Should().Be(0, error2);
        output2.Should().Contain($"embedder: conv4 from {stage1}, Koch head too");
        Path.GetFileName(ModelFile.GetWeightsPath(stage2)).Should().NotBe(Path.GetFileName(ModelFile.GetWeightsPath(stage1)), "stage two trains the body");
        ModelFile.ReadMetadata(stage2).Description.Should().Contain("body initialised from stage1 (learning rate x0.1)");
        using var first = SiameseModel.Load(stage1, OneShot.Embeddings.DeviceChoice.Cpu);
        using var second = SiameseModel.Load(stage2, OneShot.Embeddings.DeviceChoice.Cpu);
        double moved = first.Head.KochWeights.Zip(second.Head.KochWeights).Max(p => Math.Abs(p.First - p.Second));
        moved.Should().BeGreaterThan(0).And.BeLessThan(0.5, "six steps at 1e-2 move each weight at most about 0.06 from stage one's head, far less than a fresh random head differs");
    }

    [Theory]
    [InlineData("--backbone", "resnet12")]
    [InlineData("--image-size", "32")]
    public void InitFrom_WithBackboneOrImageOptions_IsAUsageErrorAndWritesNothing(string option, string value)
    {
        string output = Path.Combine(_root, "refused");

        var (code, _, error) = Train(_base, output, option, value);

        code.Should().Be(1, "a usage error");
        error.Should().Contain($"{option} does not apply with --init-from").And.Contain(_base);
        Directory.Exists(output).Should().BeFalse();
    }
}
