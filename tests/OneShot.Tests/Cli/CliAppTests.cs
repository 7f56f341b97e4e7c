using System.Text.Json;
using OneShot.Cli;
using OneShot.QuickStart;

namespace OneShot.Tests.Cli;

/// <summary>The oneshot command end to end on generated glyph images (class folders).</summary>
[Collection(TorchGlobalState.Name)]
public sealed class CliAppTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-cli");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void TrainThenEvaluate_ClassFolders_WritesModelAndPrintsJson()
    {
        var (_, data) = GlyphTask.WriteTask(_root, classes: 12, queries: 6, seed: 9);
        string model = Path.Combine(_root, "model");

        var (trainCode, trainOut, trainErr) = Invoke("train", "--data", data, "--way", "5", "--shot", "1", "--query", "2", "--episodes", "6", "--seed", "3", "--out", model);
        trainCode.Should().Be(0, trainErr);
        trainOut.Should().Contain("episode 6/6");
        File.Exists(Path.Combine(model, "model.json")).Should().BeTrue();
        File.Exists(OneShot.Serialization.ModelFile.GetWeightsPath(model)).Should().BeTrue();
        File.ReadAllLines(Path.Combine(model, "metrics.csv")).Select(l => l.Split(',')[0])
            .Should().Equal("episode", "1", "2", "3", "4", "5", "6");
        File.ReadAllBytes(Path.Combine(model, "metrics.png")).Take(4).Should().Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' });

        var (code, output, error) = Invoke("evaluate", "--model", model, "--data", data, "--way", "5", "--shot", "1", "--query", "3", "--episodes", "20", "--seed", "4", "--json");

        code.Should().Be(0, error);
        using var json = JsonDocument.Parse(output.Trim());
        var root = json.RootElement;
        root.GetProperty("accuracy").GetDouble().Should().BeInRange(0.3, 1.0, "5-way chance is 0.2; even a briefly trained Conv4 separates these glyphs better");
        root.GetProperty("ci95").GetDouble().Should().BeInRange(0.0, 0.5);
        root.GetProperty("way").GetInt32().Should().Be(5);
        root.GetProperty("shot").GetInt32().Should().Be(1);
        root.GetProperty("query").GetInt32().Should().Be(3);
        root.GetProperty("episodes").GetInt32().Should().Be(20);
        root.GetProperty("seed").GetInt32().Should().Be(4);
        root.GetProperty("split").GetString().Should().NotBeNullOrEmpty();
        root.GetProperty("classifier").GetProperty("type").GetString().Should().Be("prototype");

        var (knnCode, knnOutput, knnError) = Invoke("evaluate", "--model", model, "--data", data, "--way", "5", "--query", "3", "--episodes", "5", "--classifier", "knn", "--k", "1", "--json");
        knnCode.Should().Be(0, knnError);
        using var knn = JsonDocument.Parse(knnOutput.Trim());
        knn.RootElement.GetProperty("classifier").GetProperty("type").GetString().Should().Be("knn");
        knn.RootElement.GetProperty("classifier").GetProperty("options").GetProperty("k").GetInt32().Should().Be(1);
        knn.RootElement.GetProperty("accuracy").GetDouble().Should().BeInRange(0.3, 1.0);

        var (fineCode, _, fineError) = Invoke("evaluate", "--model", model, "--data", data, "--classifier", "finetune");
        fineCode.Should().Be(1);
        fineError.Should().Contain("--classifier finetune fine-tunes the embedder on the support images: episode evaluation classifies embeddings");
    }

    [Fact]
    public void Train_OutAlreadyHoldsAModel_ExitsOneAndLeavesItUntouched()
    {
        var (_, data) = GlyphTask.WriteTask(_root, classes: 6, queries: 4, seed: 2);
        string model = Path.Combine(_root, "model");
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, "model.json"), "{\"precious\": true}");

        var (code, _, error) = Invoke("train", "--data", data, "--way", "3", "--query", "2", "--episodes", "2", "--out", model);

        code.Should().Be(1);
        error.Should().Contain("already holds a trained model");
        File.ReadAllText(Path.Combine(model, "model.json")).Should().Be("{\"precious\": true}");
    }

    [Fact]
    public void Evaluate_MissingRequiredModel_ExitsOneWithMessage()
    {
        var (code, _, error) = Invoke("evaluate", "--data", _root);

        code.Should().Be(1);
        error.Should().Contain("--model");
    }

    [Fact]
    public void Evaluate_ModelFolderMissing_ExitsTwoNamingIt()
    {
        string missing = Path.Combine(_root, "no-such-model");

        var (code, _, error) = Invoke("evaluate", "--model", missing, "--data", _root);

        code.Should().Be(2);
        error.Should().Contain("no-such-model");
    }

    [Fact]
    public void Train_BothDatasetOptions_ExitsOne()
    {
        var (code, _, error) = Invoke("train", "--data", _root, "--omniglot", _root, "--out", Path.Combine(_root, "m"));

        code.Should().Be(1);
        error.Should().Contain("exactly one of --omniglot DIR, --data DIR");
    }

    [Fact]
    public void Train_ResNet12Backbone_SavesAResNet12ModelWithTheWidthsAsked()
    {
        var (_, data) = GlyphTask.WriteTask(_root, classes: 6, queries: 3, seed: 2);
        string model = Path.Combine(_root, "resnet12");

        var (code, _, error) = Invoke("train", "--data", data, "--backbone", "resnet12", "--widths", "4,4,8,8", "--way", "3", "--shot", "1", "--query", "1", "--episodes", "2", "--out", model);

        code.Should().Be(0, error);
        var metadata = OneShot.Serialization.ModelFile.ReadMetadata(model);
        metadata.Options.Backbone.Should().Be(new OneShot.Embeddings.ResNet12Options { Widths = [4, 4, 8, 8] });
        metadata.EmbeddingSize.Should().Be(8);
        metadata.Description.Should().StartWith("resnet12 prototypical network");
    }

    [Theory]
    [InlineData("--backbone", "vgg", "*--backbone must be conv4, resnet12 or resnet18; got 'vgg'*")]
    [InlineData("--widths", "4,4,8", "*--widths takes four positive whole numbers*'4,4,8'*")]
    public void Train_BadBackbone_ExitsOneNamingTheOption(string option, string value, string message)
    {
        var (_, data) = GlyphTask.WriteTask(_root, classes: 6, queries: 3, seed: 2);

        var (code, _, error) = Invoke("train", "--data", data, option, value, "--way", "3", "--shot", "1", "--query", "1", "--episodes", "2", "--out", Path.Combine(_root, "m"));

        code.Should().Be(1);
        error.Should().Match(message);
        File.Exists(Path.Combine(_root, "m", "model.json")).Should().BeFalse();
    }

    [Theory]
    [InlineData("--lr-schedule", "linear", "*--lr-schedule: expected step or cosine; got 'linear'*")]
    [InlineData("--augment-strength", "3", "*--augment-strength: expected a number in (0, 2]; got 3*")]
    public void Train_BadScheduleOrAugmentation_ExitsNamingTheOption(string option, string value, string message)
    {
        var (_, data) = GlyphTask.WriteTask(_root, classes: 6, queries: 3, seed: 2);

        var (code, _, error) = Invoke("train", "--data", data, "--augment", option, value, "--way", "3", "--shot", "1", "--query", "1", "--episodes", "2", "--out", Path.Combine(_root, "m"));

        code.Should().NotBe(0);
        error.Should().Match(message);
        File.Exists(Path.Combine(_root, "m", "model.json")).Should().BeFalse();
    }

    [Fact]
    public void Train_CosineWithAugmentation_RecordsBothInTheModel()
    {
        var (_, data) = GlyphTask.WriteTask(_root, classes: 6, queries: 3, seed: 2);
        string model = Path.Combine(_root, "aug");

        var (code, _, error) = Invoke("train", "--data", data, "--lr-schedule", "cosine", "--augment", "--augment-strength", "0.5", "--way", "3", "--shot", "1", "--query", "1", "--episodes", "3", "--out", model);

        code.Should().Be(0, error);
        string json = File.ReadAllText(Path.Combine(model, "model.json"));
        json.Should().Contain("\"lrSchedule\": \"cosine\"").And.Contain("\"augmentStrength\": \"0.5\"");
    }

    [Theory]
    [InlineData("--within-group-fraction", "1.5", "*--within-group-fraction: expected a fraction in [0, 1]; got 1.5*")]
    [InlineData("--within-group-fraction", "0.5", "*--within-group-fraction needs --omniglot (alphabets) or --emoji (subcategories)*")]
    [InlineData("--within-group", null, "*--within-group is an evaluation protocol; for training use --within-group-fraction*")]
    public void Train_BadWithinGroupOptions_ExitNamingTheOption(string option, string? value, string message)
    {
        var (_, data) = GlyphTask.WriteTask(_root, classes: 6, queries: 3, seed: 2);
        string[] extra = value is null ? [option] : [option, value];

        var (code, _, error) = Invoke(["train", "--data", data, .. extra, "--way", "3", "--shot", "1", "--query", "1", "--episodes", "2", "--out", Path.Combine(_root, "m")]);

        code.Should().NotBe(0);
        error.Should().Match(message);
        File.Exists(Path.Combine(_root, "m", "model.json")).Should().BeFalse();
    }

    [Fact]
    public void Train_OmniglotWithinGroupFraction_TrainsAndRecordsTheFraction()
    {
        string root = Path.Combine(_root, "omniglot");
        using (var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(TestPaths.Omniglot, "images_background.zip")))
        {
            foreach (var entry in zip.Entries.Where(e => e.Name.Length > 0 && (e.FullName.StartsWith("images_background/Greek/", StringComparison.Ordinal) || e.FullName.StartsWith("images_background/Korean/character0", StringComparison.Ordinal))))
            {
                string target = Path.Combine(root, entry.FullName);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                System.IO.Compression.ZipFileExtensions.ExtractToFile(entry, target);
            }
        }

        string model = Path.Combine(_root, "within");
        var (code, _, error) = Invoke("train", "--omniglot", root, "--split", "background", "--within-group-fraction", "0.75", "--way", "20", "--shot", "1", "--query", "1", "--episodes", "3", "--out", model);

        code.Should().Be(0, error);
        File.ReadAllText(Path.Combine(model, "model.json")).Should().Contain("\"withinGroupFraction\": \"0.75\"");
    }

    [Fact]
    public void Train_UnknownSplit_ExitsOneNamingIt()
    {
        var (code, _, error) = Invoke("train", "--omniglot", _root, "--split", "bogus", "--out", Path.Combine(_root, "m"));

        code.Should().Be(1);
        error.Should().Contain("bogus");
    }

    private static (int Code, string Output, string Error) Invoke(params string[] args) => CliRunner.Invoke(args);
}
