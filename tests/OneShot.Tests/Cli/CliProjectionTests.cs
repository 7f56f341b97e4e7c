using System.Text.Json;
using OneShot.Cli;
using OneShot.Transfer;

namespace OneShot.Tests.Cli;

/// <summary>
/// <c>oneshot train-projection</c> end to end on the emoji set with a small base (the shipped Omniglot Conv4, so it runs
/// in seconds): the projection beats its base on the validation split, is saved referencing the base, loads through
/// <c>--model</c>, and <c>evaluate --query-style</c> redraws the queries.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class CliProjectionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "oneshot-cli-projection-" + Guid.NewGuid().ToString("N"));

    private static string Base => Path.Combine(TestPaths.RepoRoot, "models", "omniglot-conv4");

    private static string Emoji => Path.Combine(TestPaths.SharedData, "emoji");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    [Trait("Category", TestPaths.SharedDataTrait)]
    public void TrainProjection_Emoji_BeatsItsBaseOnValidationAndEvaluates()
    {
        string output = Path.Combine(_dir, "projection");
        var (code, stdout, error) = CliRunner.Invoke("train-projection", "--base", Base, "--emoji", Emoji, "--augment", "1", "--epochs", "20", "--seed", "2", "--out", output);

        code.Should().Be(ExitCodes.Success, error);
        stdout.Should().Contain("Saved projection 128 -> 128");
        ProjectedEmbedder.ReadInfo(output).Base.Should().Be(Path.GetRelativePath(output, Base));
        var figures = System.Text.RegularExpressions.Regex.Match(stdout, @"validation rank-1 ([0-9.]+) ?% \(base alone ([0-9.]+) ?%\)");
        figures.Success.Should().BeTrue(stdout);
        double trained = double.Parse(figures.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        double alone = double.Parse(figures.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        trained.Should().BeGreaterThan(alone + 2, "episodic training on the train split's Google/Twitter pairs must help on the unseen val classes");

        string[] evaluate = ["evaluate", "--model", output, "--emoji", Emoji, "--split", "test", "--way", "5", "--shot", "1", "--query", "1", "--episodes", "100", "--seed", "3", "--json"];
        (code, stdout, error) = CliRunner.Invoke(evaluate);
        code.Should().Be(ExitCodes.Success, error);
        using (var json = JsonDocument.Parse(stdout.Trim()))
        {
            json.RootElement.GetProperty("accuracy").GetDouble().Should().BeGreaterThan(0.3, "5-way chance is 0.2");
        }

        (code, stdout, error) = CliRunner.Invoke([.. evaluate, "--query-style", "pixel", "--same-drawing"]);
        code.Should().Be(ExitCodes.Success, error);
        using (var json = JsonDocument.Parse(stdout.Trim()))
        {
            json.RootElement.GetProperty("dataset").GetString().Should().Be("emoji (queries: Google drawing, style pixel)");
            json.RootElement.GetProperty("accuracy").GetDouble().Should().BeGreaterThan(0.5, "the same drawing, only pixelated");
        }

        (code, _, error) = CliRunner.Invoke("train-projection", "--base", Base, "--emoji", Emoji, "--epochs", "1", "--out", output);
        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("already holds a model");
    }

    [Fact]
    public void Evaluate_QueryStyleWithoutEmoji_OrUnknownStyle_ExitsOne()
    {
        var (code, _, error) = CliRunner.Invoke("evaluate", "--model", Base, "--data", TestPaths.RepoRoot, "--query-style", "pixel");
        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("--query-style and --same-drawing need --emoji");
    }
}
