using System.Text.Json;
using OneShot.Evaluation;
using OneShot.QuickStart;

namespace OneShot.Tests.Cli;

/// <summary><c>oneshot calibrate</c> then <c>oneshot evaluate</c> with ECE, the reliability diagram and open-set figures.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class CliCalibrationTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-cli-calibration");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void CalibrateThenEvaluate_WritesSidecarAndReportsEceAndOpenSet()
    {
        var (_, data) = GlyphTask.WriteTask(_root, classes: 12, queries: 6, seed: 9);
        string model = Path.Combine(_root, "model");
        CliRunner.Invoke("train", "--data", data, "--way", "5", "--shot", "1", "--query", "2", "--episodes", "4", "--seed", "3", "--out", model).Code.Should().Be(0);

        var (code, output, error) = CliRunner.Invoke("calibrate", "--model", model, "--data", data, "--way", "5", "--query", "3", "--episodes", "20", "--target-far", "0.1", "--unknown-way", "3");

        code.Should().Be(0, error);
        output.Should().Contain("temperature ").And.Contain("open-set threshold ");
        var calibration = ModelCalibration.Load(model)!;
        var temperature = calibration.Temperatures.Should().ContainSingle().Subject;
        temperature.Way.Should().Be(5);
        temperature.NllAfter.Should().BeLessThanOrEqualTo(temperature.NllBefore);
        var threshold = calibration.UnknownThresholds.Should().ContainSingle().Subject;
        threshold.FalseAcceptRate.Should().BeLessThanOrEqualTo(0.1);

        string diagram = Path.Combine(_root, "reliability.png");
        (code, output, error) = CliRunner.Invoke(
            "evaluate", "--model", model, "--data", data, "--way", "5", "--query", "3", "--episodes", "10", "--unknown-way", "3", "--unknown-far", "0.1",
            "--reliability-diagram", diagram, "--json");

        code.Should().Be(0, error);
        using var json = JsonDocument.Parse(output.Trim());
        var root = json.RootElement;
        root.GetProperty("classifier").GetProperty("temperature").GetDouble().Should().Be(temperature.Temperature, "the model's fitted temperature is the default");
        root.GetProperty("classifier").GetProperty("unknownThreshold").GetDouble().Should().Be(threshold.Threshold);
        root.GetProperty("ece").GetDouble().Should().BeInRange(0, 1);
        root.GetProperty("eceBins").GetInt32().Should().Be(15);
        var open = root.GetProperty("openSet");
        open.GetProperty("unknownQueries").GetInt32().Should().Be(10 * 3 * 3);
        open.GetProperty("auroc").GetDouble().Should().BeInRange(0, 1);
        open.GetProperty("falseAcceptRate").GetDouble().Should().BeInRange(0, 1);
        File.ReadAllBytes(diagram).Take(4).Should().Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' });

        var (noFitCode, _, noFitError) = CliRunner.Invoke("evaluate", "--model", model, "--data", data, "--episodes", "2", "--unknown-far", "0.01");
        noFitCode.Should().NotBe(0);
        noFitError.Should().Contain("--unknown-far 0.01: the model").And.Contain("has no open-set threshold fitted");
    }

    [Fact]
    public void TestTimeAugmentation_CalibratedApartFromPlain_AndUsedByEvaluate()
    {
        var (_, data) = GlyphTask.WriteTask(_root, classes: 12, queries: 6, seed: 9);
        string model = Path.Combine(_root, "model");
        CliRunner.Invoke("train", "--data", data, "--way", "5", "--shot", "1", "--query", "2", "--episodes", "4", "--seed", "3", "--out", model).Code.Should().Be(0);
        string[] fit = ["calibrate", "--model", model, "--data", data, "--way", "5", "--query", "3", "--episodes", "20", "--target-far", "0.1", "--unknown-way", "3"];
        CliRunner.Invoke(fit).Code.Should().Be(0);

        var (code, _, error) = CliRunner.Invoke([.. fit, "--tta", "shifts4"]);

        code.Should().Be(0, error);
        var calibration = ModelCalibration.Load(model)!;
        calibration.UnknownThresholds.Select(t => t.TestTimeAugmentation).Should().Equal(null, "shifts4");
        var augmented = calibration.UnknownThresholds[1];
        augmented.Threshold.Should().NotBe(calibration.UnknownThresholds[0].Threshold, "averaged views give other distances");
        string output;
        (code, output, error) = CliRunner.Invoke(
            "evaluate", "--model", model, "--data", data, "--way", "5", "--query", "3", "--episodes", "10", "--unknown-way", "3", "--unknown-far", "0.1", "--tta", "shifts4", "--json");
        code.Should().Be(0, error);
        using var json = JsonDocument.Parse(output.Trim());
        json.RootElement.GetProperty("testTimeAugmentation").GetString().Should().Be("shifts4");
        json.RootElement.GetProperty("classifier").GetProperty("unknownThreshold").GetDouble().Should().Be(augmented.Threshold);
        json.RootElement.GetProperty("classifier").GetProperty("temperature").GetDouble().Should().Be(calibration.Temperatures[1].Temperature);

        var (badCode, _, badError) = CliRunner.Invoke("evaluate", "--model", model, "--data", data, "--episodes", "2", "--tta", "flips");
        badCode.Should().NotBe(0);
        badError.Should().Contain("--tta: expected none, shifts4 or shifts8; got 'flips'");
    }

    [Fact]
    public void Evaluate_WithinAlphabetWithoutOmniglot_UsageError()
    {
        var (_, data) = GlyphTask.WriteTask(_root, classes: 6, queries: 4, seed: 2);
        string model = Path.Combine(_root, "model");
        CliRunner.Invoke("train", "--data", data, "--way", "3", "--shot", "1", "--query", "2", "--episodes", "1", "--out", model).Code.Should().Be(0);

        var (code, _, error) = CliRunner.Invoke("evaluate", "--model", model, "--data", data, "--within-alphabet");

        code.Should().NotBe(0);
        error.Should().Contain("--within-alphabet needs --omniglot");

        var (lakeCode, _, lakeError) = CliRunner.Invoke("evaluate", "--model", model, "--data", data, "--lake-runs");
        lakeCode.Should().Be(1, "a usage error");
        lakeError.Should().Contain("--lake-runs needs --omniglot with --split evaluation");
    }
}
