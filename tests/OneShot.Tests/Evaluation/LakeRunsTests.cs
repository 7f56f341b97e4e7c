using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Evaluation;
using OneShot.Serialization;
using OneShot.Tests.Data;
using OneShot.Tests.Galleries;

namespace OneShot.Tests.Evaluation;

/// <summary>Lake et al.'s 20 published one-shot runs: the table, the episodes built from it, and a model measured on them.</summary>
public sealed class LakeRunsTests
{
    [Fact]
    public void Runs_AreTwoPerAlphabetOfTwentyCharactersByTwoDifferentDrawers()
    {
        var runs = LakeOneShotRuns.Runs;

        runs.Select(r => r.Number).Should().Equal(Enumerable.Range(1, 20));
        runs.Select(r => r.Alphabet).Distinct().Should().HaveCount(10);
        runs.Should().AllSatisfy(r =>
        {
            r.Characters.Should().HaveCount(20).And.OnlyHaveUniqueItems().And.AllSatisfy(c => c.Should().BeInRange(1, 55));
            r.SupportDrawer.Should().BeInRange(1, 20);
            r.QueryDrawer.Should().BeInRange(1, 20).And.NotBe(r.SupportDrawer);
        });
        for (int i = 0; i < 20; i += 2)
        {
            runs[i + 1].Alphabet.Should().Be(runs[i].Alphabet);
            runs[i + 1].Characters.Should().Equal(runs[i].Characters, "both runs of an alphabet use the same 20 characters");
            new[] { runs[i + 1].SupportDrawer, runs[i + 1].QueryDrawer }.Should().NotIntersectWith([runs[i].SupportDrawer, runs[i].QueryDrawer]);
        }

        runs[0].ClassName(9).Should().Be("Atlantean/character09");
    }

    [Fact]
    public void LakeRuns_Evaluate_UsesEachRunsTwoDrawersAndCountsEveryTrial()
    {
        // The 200 characters of the runs, 8 drawings each; an image is the one-hot code of a class. Every drawer a run
        // uses draws its character; every other drawer draws the next character of the list, so any other drawer in a
        // support or query would cost accuracy. Then run 1's query drawer (8) swaps characters 1 and 2 of Atlantean:
        // exactly 2 of its 20 trials go wrong, so the mean over the 20 runs is (19 + 18/20) / 20.
        var runs = LakeOneShotRuns.Runs;
        string[] names = [.. runs.SelectMany(r => r.Characters.Select(r.ClassName)).Distinct()];
        int n = names.Length;
        var used = names.Select(name => runs.Where(r => name.StartsWith(r.Alphabet + "/", StringComparison.Ordinal))
            .SelectMany(r => new[] { r.SupportDrawer, r.QueryDrawer }).ToHashSet()).ToArray();
        var items = Enumerable.Range(0, n).Select(c =>
        {
            var a = new float[8 * n];
            for (int drawer = 1; drawer <= 8; drawer++)
            {
                int drawn = used[c].Contains(drawer) ? c : (c + 1) % n;
                a[((drawer - 1) * n) + drawn] = 1f;
            }

            return a;
        }).ToList();
        int first = Array.IndexOf(names, "Atlantean/character01"), second = Array.IndexOf(names, "Atlantean/character02");
        (items[first][(7 * n) + first], items[first][(7 * n) + second]) = (0f, 1f);
        (items[second][(7 * n) + second], items[second][(7 * n) + first]) = (0f, 1f);
        using var data = InMemoryClassDataset.FromArrays(items, (1, 1, n), names);
        using var embedder = new FlattenEmbedder(height: 1, width: n);
        var options = new EpisodeEvaluationOptions { Way = 5, Episodes = 1000, Seed = 9 }.LakeRuns(data);

        var result = new EpisodeEvaluator(options).Evaluate(embedder, data);

        (result.Way, result.Shot, result.Query, result.Episodes).Should().Be((20, 1, 1, 20));
        result.Accuracy.Should().BeApproximately((19 + (18.0 / 20)) / 20, 1e-12);
    }

    [Fact]
    public void LakeRuns_OptionsChangedAfterwards_OrCharactersMissing_AreRefusedByName()
    {
        string[] names = [.. Enumerable.Range(1, 30).Select(c => $"Atlantean/character{c:D2}/rot000")];
        using var rotated = InMemoryClassDataset.FromArrays(names.Select(_ => new float[20]).ToList(), (1, 1, 1), names);
        var missing = () => new EpisodeEvaluationOptions().LakeRuns(rotated);
        missing.Should().Throw<ArgumentException>().WithParameterName("omniglot")
            .WithMessage("*evaluation set without rotations*200 characters*Atlantean/character01*");

        var runs = LakeOneShotRuns.Runs;
        string[] all = [.. runs.SelectMany(r => r.Characters.Select(r.ClassName)).Distinct()];
        using var data = InMemoryClassDataset.FromArrays(all.Select(_ => new float[8]).ToList(), (1, 1, 1), all);
        var changed = new EpisodeEvaluationOptions().LakeRuns(data) with { Episodes = 100 };
        using var embedder = new FlattenEmbedder(height: 1, width: 1);
        var evaluate = () => new EpisodeEvaluator(changed).Evaluate(embedder, data);
        evaluate.Should().Throw<ArgumentException>().WithMessage("*changed after LakeRuns*100 episodes*");

        using var fewDrawings = InMemoryClassDataset.FromArrays(all.Select(_ => new float[5]).ToList(), (1, 1, 1), all);
        var shortOfDrawers = () => new EpisodeEvaluationOptions().LakeRuns(fewDrawings);
        shortOfDrawers.Should().Throw<ArgumentException>().WithMessage("Run 1 needs drawer 8's drawing of Atlantean/character*only 5 images*");
    }
}

/// <summary>The runs on the real evaluation set: each drawer is the image of that drawer, and the shipped background model's score.</summary>
[Trait("Category", TestPaths.SharedDataTrait)]
public sealed class LakeRunsOnOmniglotTests : IClassFixture<OmniglotFixture>
{
    private readonly OmniglotFixture _fixture;

    public LakeRunsOnOmniglotTests(OmniglotFixture fixture) => _fixture = fixture;

    [Fact]
    public void Runs_NameImagesOfTheEvaluationSet_DrawerNIsItemNMinusOne()
    {
        var source = OmniglotSource.TryOpen(TestPaths.Omniglot, "images_evaluation")!;
        foreach (var run in LakeOneShotRuns.Runs)
        {
            foreach (int character in run.Characters)
            {
                var images = source.ImagesOf(run.ClassName(character));
                images[run.SupportDrawer - 1].Should().EndWith($"_{run.SupportDrawer:D2}.png");
                images[run.QueryDrawer - 1].Should().EndWith($"_{run.QueryDrawer:D2}.png");
            }
        }

        // Two images of all_runs.zip, as its checksums identify them: run01/test/item01 and run20/training/class20.
        source.ImagesOf("Atlantean/character09")[7].Should().EndWith("1019_08.png");
        source.ImagesOf("Tibetan/character41")[7].Should().EndWith("1596_08.png");
    }

    [Fact]
    public void ShippedBackgroundModel_OnLakesRuns_ScoresWhatModelMdReports()
    {
        var data = _fixture.Get(OmniglotSplit.Evaluation);
        using var embedder = ModelFile.Load(Path.Combine(TestPaths.RepoRoot, "models", "omniglot-background-conv4"), DeviceChoice.Cpu);
        var options = new EpisodeEvaluationOptions().LakeRuns(data);

        var result = new EpisodeEvaluator(options).Evaluate(embedder, data);

        // MODEL.md reports 390 of 400 (97.5 %); kernels of another CPU may flip a borderline trial, not five.
        (result.Accuracy * 400).Should().BeInRange(385, 395);
    }

    [Fact]
    public void Cli_EvaluateLakeRuns_PrintsTheRunsProtocolAndTheTrialsRight()
    {
        string model = Path.Combine(TestPaths.RepoRoot, "models", "omniglot-background-conv4");

        var (code, output, error) = OneShot.Tests.Cli.CliRunner.Invoke(
            "evaluate", "--model", model, "--omniglot", TestPaths.Omniglot, "--split", "evaluation", "--lake-runs", "--json");
        var (textCode, text, _) = OneShot.Tests.Cli.CliRunner.Invoke(
            "evaluate", "--model", model, "--omniglot", TestPaths.Omniglot, "--split", "evaluation", "--lake-runs", "--way", "5");
        var (badCode, _, badError) = OneShot.Tests.Cli.CliRunner.Invoke(
            "evaluate", "--model", model, "--omniglot", TestPaths.Omniglot, "--split", "evaluation", "--lake-runs", "--within-alphabet");
        string sheet = Path.Combine(Path.GetTempPath(), $"lake-sheet-{Guid.NewGuid():N}.png");
        var (sheetCode, _, sheetError) = OneShot.Tests.Cli.CliRunner.Invoke(
            "evaluate", "--model", model, "--omniglot", TestPaths.Omniglot, "--split", "evaluation", "--lake-runs", "--sheet", sheet);
        using var embedder = ModelFile.Load(model, DeviceChoice.Cpu);
        var data = _fixture.Get(OmniglotSplit.Evaluation);
        var perRun = new EpisodeEvaluator(new EpisodeEvaluationOptions().LakeRuns(data)).Run(embedder, data, null, default).Accuracies;

        code.Should().Be(0, error);
        var json = System.Text.Json.Nodes.JsonNode.Parse(output)!;
        json["protocol"]!.GetValue<string>().Should().Be("lake-20-runs");
        (json["way"]!.GetValue<int>(), json["shot"]!.GetValue<int>(), json["query"]!.GetValue<int>(), json["episodes"]!.GetValue<int>()).Should().Be((20, 1, 1, 20));
        double right = json["accuracy"]!.GetValue<double>() * 400;
        right.Should().BeInRange(385, 395);
        textCode.Should().Be(0);
        text.Should().Contain($"Lake et al.'s 20 runs: {Math.Round(right)} of 400 right", "--way does not change the runs");
        badCode.Should().Be(1, "a usage error");
        badError.Should().Contain("drop --within-alphabet and --unknown-way");
        sheetCode.Should().Be(0, sheetError);
        File.Exists(sheet).Should().BeTrue();
        File.Delete(sheet);
        string drawn = string.Join(", ", perRun.Take(3).Select(a => a.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)));
        sheetError.Should().Contain($"sheet: drew 3 of 20 episodes (accuracy {drawn})", "the sheet draws the first runs evaluated, not random episodes");
    }
}
