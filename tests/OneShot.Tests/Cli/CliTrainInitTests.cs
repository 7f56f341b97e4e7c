using OneShot.QuickStart;
using OneShot.Serialization;
using OneShot.Tests.Training;

namespace OneShot.Tests.Cli;

/// <summary>'oneshot train --init-from' (fine-tune a saved model episodically) and '--open-set-way'.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class CliTrainInitTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-cli-train-init");
    private readonly string _data;
    private readonly string _base;

    public CliTrainInitTests()
    {
        (_, _data) = GlyphTask.WriteTask(_root, classes: 8, queries: 3, seed: 5);
        _base = Path.Combine(_root, "base");
        using var embedder = SyntheticClasses.TinyConv4(seed: 9);
        ModelFile.Save(embedder, _base, "a prototypical model");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (int Code, string Output, string Error) Train(string output, params string[] extra) =>
        CliRunner.Invoke([
            "train", "--data", _data, "--way", "3", "--shot", "1", "--query", "2", "--episodes", "2", "--seed", "3",
            "--threads", "1", "--out", output, .. extra]);

    [Fact]
    public void InitFrom_StartsFromTheModelsWeights_WithItsNetworkAndPreprocessing()
    {
        string tiny = Path.Combine(_root, "tiny-steps"), fresh = Path.Combine(_root, "fresh");

        var (code, output, error) = Train(tiny, "--init-from", _base, "--lr", "1e-9", "--open-set-way", "2");
        var (freshCode, _, freshError) = Train(fresh, "--widths", "8,8,8,8", "--lr", "1e-9");

        code.Should().Be(0, error);
        freshCode.Should().Be(0, freshError);
        output.Should().Contain($"embedder: conv4 from {_base}");
        using var initial = ModelFile.Load(_base);
        using var tuned = ModelFile.Load(tiny);
        using var random = ModelFile.Load(fresh);
        tuned.Options.Should().Be(initial.Options, "the network and preprocessing come from --init-from");
        var before = SyntheticClasses.Weights(initial);
        var after = SyntheticClasses.Weights(tuned);
        var other = SyntheticClasses.Weights(random);
        double MaxDifference(Dictionary<string, float[]> a, Dictionary<string, float[]> b) =>
            a.Where(p => p.Key.EndsWith("weight", StringComparison.Ordinal)).Max(p => p.Value.Zip(b[p.Key]).Max(v => (double)Math.Abs(v.First - v.Second)));
        MaxDifference(before, after).Should().BeLessThan(1e-5, "two Adam steps at 1e-9 barely move the weights");
        MaxDifference(before, other).Should().BeGreaterThan(0.05, "a fresh network starts elsewhere");
        var info = ModelFile.ReadMetadata(tiny).TrainingInfo;
        info["initFrom"].Should().Be("base");
        info["openSetWay"].Should().Be("2");
        ModelFile.ReadMetadata(fresh).TrainingInfo["initFrom"].Should().Be("none");
    }

    [Theory]
    [InlineData("--widths", "4,4,4,4")]
    [InlineData("--image-size", "32")]
    public void InitFrom_WithNetworkOrImageOptions_IsAUsageErrorAndWritesNothing(string option, string value)
    {
        string output = Path.Combine(_root, "refused");

        var (code, _, error) = Train(output, "--init-from", _base, option, value);

        code.Should().Be(1, "a usage error");
        error.Should().Contain($"{option} does not apply with --init-from").And.Contain(_base);
        Directory.Exists(output).Should().BeFalse();
    }

    [Theory]
    [InlineData("--open-set-way", "-1", "*--open-set-way: expected a number of classes >= 0; got -1*")]
    [InlineData("--open-set-weight", "0", "*--open-set-weight: expected a positive weight; got 0*")]
    public void OpenSetOptions_OutOfRange_ExitOneNamingTheOption(string option, string value, string message)
    {
        string output = Path.Combine(_root, "refused");

        var (code, _, error) = Train(output, option, value);

        code.Should().Be(1);
        error.Should().Match(message);
        File.Exists(Path.Combine(output, "model.json")).Should().BeFalse();
    }

    [Fact]
    public void InitFrom_MissingFolder_ExitsNamingIt()
    {
        string missing = Path.Combine(_root, "no-such-model");

        var (code, _, error) = Train(Path.Combine(_root, "m"), "--init-from", missing);

        code.Should().NotBe(0);
        error.Should().Contain(missing);
    }
}
