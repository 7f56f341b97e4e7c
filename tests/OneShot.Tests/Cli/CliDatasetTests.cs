using System.Text.Json;
using OneShot.Cli;

namespace OneShot.Tests.Cli;

/// <summary><c>oneshot evaluate</c> on the emoji set (two-artist protocol, within-subcategory option) and Fashion-MNIST.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class CliDatasetTests
{
    private static string Model => Path.Combine(TestPaths.RepoRoot, "models", "omniglot-conv4");

    [Fact]
    public void Evaluate_WithinGroupWithoutEmoji_ExitsOneNamingEmoji()
    {
        var (code, _, error) = CliRunner.Invoke("evaluate", "--model", Model, "--data", TestPaths.RepoRoot, "--within-group");

        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("--within-group needs --emoji");
    }

    [Fact]
    public void Evaluate_TwoDatasets_ExitsOneListingTheChoices()
    {
        var (code, _, error) = CliRunner.Invoke("evaluate", "--model", Model, "--data", "a", "--emoji", "b");

        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("exactly one of --omniglot DIR, --data DIR, --emoji DIR or --fashion-mnist DIR");
    }

    [Theory]
    [Trait("Category", TestPaths.SharedDataTrait)]
    [InlineData(false, "cross-artist")]
    [InlineData(true, "cross-artist-within-group")]
    public void Evaluate_EmojiTestSplit_ReportsTheProtocolAndBeatsChance(bool withinGroup, string protocol)
    {
        string[] args = ["evaluate", "--model", Model, "--emoji", Path.Combine(TestPaths.SharedData, "emoji"), "--split", "test", "--way", "5", "--shot", "1", "--query", "1", "--episodes", "200", "--seed", "7", "--json"];

        var (code, output, error) = CliRunner.Invoke(withinGroup ? [.. args, "--within-group"] : args);

        code.Should().Be(ExitCodes.Success, error);
        using var json = JsonDocument.Parse(output.Trim());
        json.RootElement.GetProperty("dataset").GetString().Should().Be("emoji");
        json.RootElement.GetProperty("protocol").GetString().Should().Be(protocol);
        json.RootElement.GetProperty("accuracy").GetDouble().Should().BeGreaterThan(0.2, "5-way chance is 0.2 and even a handwriting model sees the shapes");
    }

    [Fact]
    [Trait("Category", TestPaths.SharedDataTrait)]
    public void Evaluate_FashionMnist_TenWayAboveChance()
    {
        var (code, output, error) = CliRunner.Invoke("evaluate", "--model", Model, "--fashion-mnist", "/usr/share/datasets/fashion-mnist", "--way", "10", "--shot", "1", "--query", "5", "--episodes", "50", "--seed", "3", "--json");

        code.Should().Be(ExitCodes.Success, error);
        using var json = JsonDocument.Parse(output.Trim());
        json.RootElement.GetProperty("dataset").GetString().Should().Be("fashion-mnist");
        json.RootElement.GetProperty("accuracy").GetDouble().Should().BeGreaterThan(0.3, "10-way chance is 0.1");
    }
}
