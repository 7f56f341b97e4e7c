using OneShot.QuickStart;

namespace OneShot.Tests.Samples;

[Collection(TorchGlobalState.Name)]
public sealed class QuickStartTests
{
    private static string ShippedModel => Path.Combine(TestPaths.RepoRoot, "models", "omniglot-conv4");

    [Fact]
    public void Run_GeneratedTaskWithShippedModel_IsWellAboveChance()
    {
        var output = new StringWriter();

        var result = QuickStartRunner.Run(new QuickStartOptions { ModelDir = ShippedModel, Classes = 20, QueriesPerClass = 10, Seed = 11 }, output);

        result.Classes.Should().Be(20);
        result.Queries.Should().Be(200);
        result.Accuracy.Should().BeGreaterThan(10 * result.Chance, "one example per class of glyphs the model never saw should be classified far above the 5% of guessing");
        output.ToString().Should().Contain("glyph-20").And.Contain("Accuracy:");
    }

    [Fact]
    public void Run_UserFolders_UsesFolderNamesAsLabels()
    {
        string root = TestPaths.NewTempFolder("oneshot-quickstart");
        try
        {
            var (support, query) = GlyphTask.WriteTask(root, classes: 10, queries: 3, seed: 5);
            var output = new StringWriter();

            var result = QuickStartRunner.Run(new QuickStartOptions { SupportDir = support, QueryDir = query, ModelDir = ShippedModel }, output);

            result.Classes.Should().Be(10);
            result.Queries.Should().Be(30);
            result.Correct.Should().BeGreaterThan(15);
            output.ToString().Should().Contain($"support from {support}");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Parse_BadArguments_ThrowNamingTheArgument()
    {
        var unknown = () => QuickStartOptions.Parse(["--bogus"]);
        var lonely = () => QuickStartOptions.Parse(["--support", "a"]);
        var few = () => QuickStartOptions.Parse(["--classes", "3"]);

        unknown.Should().Throw<ArgumentException>().WithMessage("*--bogus*");
        lonely.Should().Throw<ArgumentException>().WithMessage("*--support and --query go together*");
        few.Should().Throw<ArgumentException>().WithMessage("*--classes*>= 10*");
    }

    [Fact]
    public void Run_MissingSupportFolder_ThrowsNamingIt()
    {
        var act = () => QuickStartRunner.Run(new QuickStartOptions { SupportDir = "/nonexistent/support", QueryDir = "/nonexistent/query", ModelDir = ShippedModel }, new StringWriter());

        act.Should().Throw<ArgumentException>().WithMessage("*--support*/nonexistent/support*does not exist*");
    }

    [Fact]
    [Trait("Category", TestPaths.SlowTrait)]
    public void Run_WithoutModel_TrainsBrieflyOnGeneratedGlyphsAndBeatsChance()
    {
        var output = new StringWriter();

        var result = QuickStartRunner.Run(new QuickStartOptions { ForceTraining = true, Classes = 10, QueriesPerClass = 10, Seed = 3 }, output);

        output.ToString().Should().Contain("training a Conv4");
        result.Accuracy.Should().BeGreaterThan(3 * result.Chance);
    }
}
