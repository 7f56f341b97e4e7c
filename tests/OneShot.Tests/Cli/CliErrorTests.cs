using OneShot.Cli;

namespace OneShot.Tests.Cli;

/// <summary>Usage errors of the oneshot command: each reported once, naming what was wrong (issue 12, finding 8).</summary>
[Collection(TorchGlobalState.Name)]
public sealed class CliErrorTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-cli-errors");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Classify_UnknownOption_IsReportedAsUnknownOptionNotAsAFile()
    {
        var (code, _, error) = CliRunner.Invoke("classify", "--bogus", "x.png");

        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("error: unknown option '--bogus' for 'classify'.").And.NotContain("neither an image file");
    }

    [Fact]
    public void Classify_ThresholdNotANumber_SaysANumberWasExpected()
    {
        var (code, _, error) = CliRunner.Invoke("classify", "g.gallery", "x.png", "--threshold", "abc");

        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("--threshold: 'abc' is not a number").And.NotContain("System.Nullable");
    }

    [Fact]
    public void Classify_NoArguments_PrintsEachErrorOnce()
    {
        var (code, _, error) = CliRunner.Invoke("classify");

        code.Should().Be(ExitCodes.Usage);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        lines.Should().OnlyHaveUniqueItems().And.NotBeEmpty();
        error.Should().Contain("Run 'oneshot classify --help' for usage.");
    }

    [Fact]
    public void Classify_NegativeNumberValue_IsNotTakenForAnUnknownOption()
    {
        var (_, _, error) = CliRunner.Invoke("classify", "g.gallery", "x.png", "--top", "-1");

        error.Should().NotContain("unknown option");
    }

    [Theory]
    [InlineData("\"width\": 28", "\"width\": 0")]
    [InlineData("\"formatVersion\": 1", "\"formatVersion\": \"one\"")]
    public void Enroll_BadModelFolder_ExitsTwoNamingModelJson(string field, string replacement)
    {
        string model = Path.Combine(_root, "bad-model");
        Directory.CreateDirectory(model);
        foreach (string file in Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "models", "omniglot-conv4")))
        {
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        }

        string json = Path.Combine(model, "model.json");
        File.WriteAllText(json, File.ReadAllText(json).Replace(field, replacement, StringComparison.Ordinal));
        string image = Path.Combine(_root, "q.png");
        File.WriteAllBytes(image, OneShot.Tests.Data.TestImages.GrayPng(28, 28, (_, _) => 0));

        var (code, _, error) = CliRunner.Invoke("enroll", Path.Combine(_root, "g.gallery"), image, "--label", "a", "--model", model);

        code.Should().Be(ExitCodes.Data, error);
        error.Should().Contain("model.json");
    }

    [Fact]
    public void Classify_GalleryModelFolderMoved_SaysTheGalleryRecordedItAndSuggestsModelOption()
    {
        string model = Path.Combine(_root, "model");
        Directory.CreateDirectory(model);
        foreach (string file in Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "models", "omniglot-conv4")))
        {
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        }

        string image = Path.Combine(_root, "q.png");
        File.WriteAllBytes(image, OneShot.Tests.Data.TestImages.GrayPng(28, 28, (x, _) => (byte)(x * 9)));
        string gallery = Path.Combine(_root, "g.gallery");
        CliRunner.Invoke("enroll", gallery, image, "--label", "a", "--model", model).Code.Should().Be(ExitCodes.Success);
        Directory.Move(model, model + "-moved");

        var (code, _, error) = CliRunner.Invoke("classify", gallery, image);

        code.Should().Be(ExitCodes.Data);
        error.Should().Contain($"The gallery '{gallery}' was enrolled with the model folder '{model}', which no longer exists").And.Contain("--model DIR");
    }
}
