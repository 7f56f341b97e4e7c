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

    /// <summary>Saves a randomly initialised small ResNet-18 (RGB 32x32) as a model folder: a base that trains in seconds.</summary>
    private static void SaveSmallResNet(string folder, int seed, int[] blocksPerStage)
    {
        TorchSharp.torch.manual_seed(seed);
        using var resnet = OneShot.Embeddings.Embedder.Create(new OneShot.Embeddings.EmbedderOptions
        {
            Backbone = new OneShot.Embeddings.ResNet18Options { BlocksPerStage = blocksPerStage },
            Preprocessing = new OneShot.Data.ImagePreprocessing { Color = OneShot.Data.ColorMode.Rgb, Width = 32, Height = 32 },
            Device = OneShot.Embeddings.DeviceChoice.Cpu,
        });
        OneShot.Serialization.ModelFile.Save(resnet, folder);
    }

    /// <summary>5-way 1-shot on the emoji test split (50 episodes) through <c>--model</c>: above chance.</summary>
    private static void EvaluatesAboveChance(string model)
    {
        var (code, stdout, error) = CliRunner.Invoke("evaluate", "--model", model, "--emoji", Emoji, "--split", "test", "--way", "5", "--shot", "1", "--query", "1", "--episodes", "50", "--seed", "3", "--json");
        code.Should().Be(ExitCodes.Success, error);
        using var json = JsonDocument.Parse(stdout.Trim());
        json.RootElement.GetProperty("accuracy").GetDouble().Should().BeGreaterThan(0.3, "5-way chance is 0.2");
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
    [Trait("Category", TestPaths.SharedDataTrait)]
    public void TrainProjection_TuneBlocks_SavesTheTunedTailBesideTheProjectionAndEvaluates()
    {
        string baseFolder = Path.Combine(_dir, "resnet"), output = Path.Combine(_dir, "tuned");
        SaveSmallResNet(baseFolder, seed: 4, blocksPerStage: [1, 1, 1, 2]);

        var (code, stdout, error) = CliRunner.Invoke("train-projection", "--base", baseFolder, "--emoji", Emoji, "--augment", "0", "--epochs", "2", "--tune-blocks", "1", "--tail-lr", "1e-3", "--out", output);

        code.Should().Be(ExitCodes.Success, error);
        stdout.Should().Contain("Saved projection 512 -> 512");
        Directory.GetFiles(output, "tuned-base-*.bin").Should().ContainSingle();
        using (var loaded = ProjectedEmbedder.Load(output, path => OneShot.Serialization.ModelFile.Load(path)))
        {
            loaded.HasTunedBase.Should().BeTrue();
        }

        EvaluatesAboveChance(output);
    }

    [Fact]
    [Trait("Category", TestPaths.SharedDataTrait)]
    public void TrainProjection_TuneBlocksOfAGridPooledStage_TunesThatStageAndEvaluates()
    {
        string baseFolder = Path.Combine(_dir, "resnet"), output = Path.Combine(_dir, "tuned-grid");
        SaveSmallResNet(baseFolder, seed: 5, blocksPerStage: [1, 1, 2, 1]);

        var (code, stdout, error) = CliRunner.Invoke("train-projection", "--base", baseFolder, "--emoji", Emoji, "--augment", "0", "--epochs", "2", "--pooling", "layer3:2", "--tune-blocks", "1", "--tail-lr", "1e-3", "--out", output);

        code.Should().Be(ExitCodes.Success, error);
        stdout.Should().Contain("Saved projection 1024 -> 1024", "layer3's 256 channels on 2x2 cells");
        string tail = Directory.GetFiles(output, "tuned-base-*.bin").Should().ContainSingle().Subject;
        using (var stream = File.OpenRead(tail))
        using (var dict = OneShot.Serialization.StateDictReader.Read(stream, tail))
        {
            dict.Names.Should().NotBeEmpty().And.OnlyContain(n => n.StartsWith("layer3.1.", StringComparison.Ordinal), "the pooled stage's last block is the one tuned");
        }

        var (infoCode, info, _) = CliRunner.Invoke("info", output, "--json");
        infoCode.Should().Be(0);
        using (var json = JsonDocument.Parse(info))
        {
            json.RootElement.GetProperty("tunedBase").GetBoolean().Should().BeTrue();
            json.RootElement.GetProperty("basePooling").GetString().Should().Be("layer3:2");
            json.RootElement.GetProperty("description").GetString().Should().StartWith("The last block of resnet18's pooled stage (layer3:2) fine-tuned");
        }

        EvaluatesAboveChance(output);
    }

    [Fact]
    [Trait("Category", TestPaths.SharedDataTrait)]
    public void TrainProjection_PoolingAndCenter_StoresBothWithTheProjectionAndEvaluates()
    {
        string baseFolder = Path.Combine(_dir, "resnet"), output = Path.Combine(_dir, "pooled");
        SaveSmallResNet(baseFolder, seed: 6, blocksPerStage: [1, 1, 1, 1]);

        var (code, stdout, error) = CliRunner.Invoke("train-projection", "--base", baseFolder, "--emoji", Emoji, "--augment", "0", "--epochs", "2", "--pooling", "layer3:2", "--center", "--size", "64", "--out", output);

        code.Should().Be(ExitCodes.Success, error);
        stdout.Should().Contain("Saved projection 1024 -> 64", "layer3's 256 channels on 2x2 cells");
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, ProjectedEmbedder.MetadataFileName))))
        {
            json.RootElement.GetProperty("formatVersion").GetInt32().Should().Be(3);
            json.RootElement.GetProperty("basePooling").GetString().Should().Be("layer3:2");
            json.RootElement.GetProperty("base").GetString().Should().Be(Path.GetRelativePath(output, baseFolder), "the base folder itself keeps ResNet-18's own pooling");
            json.RootElement.GetProperty("trainingInfo").GetProperty("centred").GetString().Should().Be("true");
        }

        using (var loaded = ProjectedEmbedder.Load(output, path => OneShot.Serialization.ModelFile.Load(path)))
        {
            loaded.InputSize.Should().Be(1024);
            loaded.GetInputMean().Should().HaveCount(1024).And.Contain(m => m != 0f);
        }

        EvaluatesAboveChance(output);
    }

    [Fact]
    public void TrainProjection_PoolingOnConv4_OrCenterWithTuneBlocks_ExitsOneNamingTheOption()
    {
        string output = Path.Combine(_dir, "never");
        var (code, _, error) = CliRunner.Invoke("train-projection", "--base", Base, "--emoji", Path.Combine(_dir, "missing"), "--pooling", "layer3:2", "--out", output);
        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("--pooling re-pools a ResNet-18");
        (code, _, error) = CliRunner.Invoke("train-projection", "--base", Base, "--emoji", Path.Combine(_dir, "missing"), "--pooling", "layer5:2", "--out", output);
        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("--pooling:");
        (code, _, error) = CliRunner.Invoke("train-projection", "--base", Base, "--emoji", Path.Combine(_dir, "missing"), "--center", "--tune-blocks", "1", "--out", output);
        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("--center needs fixed base embeddings");
        (code, _, error) = CliRunner.Invoke("train-projection", "--base", Base, "--emoji", Path.Combine(_dir, "missing"), "--content-crop", "0.5", "--out", output);
        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("--content-crop must be a margin from 0 to 0.45 of the side; got 0.5");
        Directory.Exists(output).Should().BeFalse();
    }

    [Fact]
    public void TrainProjection_TuneBlocksOnConv4_OrNegative_ExitsOneNamingTheOption()
    {
        string output = Path.Combine(_dir, "never");
        var (code, _, error) = CliRunner.Invoke("train-projection", "--base", Base, "--emoji", Path.Combine(_dir, "missing"), "--tune-blocks", "1", "--out", output);
        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("--tune-blocks needs a ResNet-18 base");
        (code, _, error) = CliRunner.Invoke("train-projection", "--base", Base, "--emoji", Path.Combine(_dir, "missing"), "--tune-blocks", "-1", "--out", output);
        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("--tune-blocks must be 0 or more");
        Directory.Exists(output).Should().BeFalse();
    }

    [Fact]
    public void Evaluate_QueryStyleWithoutEmoji_OrUnknownStyle_ExitsOne()
    {
        var (code, _, error) = CliRunner.Invoke("evaluate", "--model", Base, "--data", TestPaths.RepoRoot, "--query-style", "pixel");
        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("--query-style and --same-drawing need --emoji");
    }
}
