using OneShot.Tests.Training;
using OneShot.TransferVsFineTune;

namespace OneShot.Tests.Samples;

[Collection(TorchGlobalState.Name)]
public sealed class TransferVsFineTuneTests
{
    private static string ShippedModel => Path.Combine(TestPaths.RepoRoot, "models", "omniglot-conv4");

    [Fact]
    public void Run_GeneratedGlyphs_EveryMethodBeatsChanceAndTheTableListsIt()
    {
        using var threads = new SingleThreadedTorch();
        var output = new StringWriter();

        var result = ComparisonRunner.Run(new ComparisonOptions { Generated = true, ModelDir = ShippedModel, Way = 10, Shot = 3, Queries = 5, Draws = 2, Seed = 3 }, output);

        result.Way.Should().Be(10);
        result.Draws.Should().Be(2);
        result.Data.Should().Contain("generated glyph");
        result.Methods.Should().NotBeEmpty();
        foreach (var method in result.Methods)
        {
            method.Accuracy.Count.Should().Be(2);
            method.Accuracy.Mean.Should().BeGreaterThan(0.3, $"{method.Name} should beat the 10% of guessing by far on 10-way 3-shot");
            method.MedianSeconds.Should().BePositive();
            output.ToString().Should().Contain($"| {method.Name}");
        }
    }

    [Fact]
    public void Parse_BadArguments_ThrowNamingTheArgument()
    {
        var unknown = () => ComparisonOptions.Parse(["--bogus"]);
        var both = () => ComparisonOptions.Parse(["--generated", "--omniglot", "x"]);
        var many = () => ComparisonOptions.Parse(["--shot", "10", "--queries", "15"]);
        var way = () => ComparisonOptions.Parse(["--way", "1"]);

        unknown.Should().Throw<ArgumentException>().WithMessage("*--bogus*");
        both.Should().Throw<ArgumentException>().WithMessage("*--generated, --omniglot and --emoji exclude each other*");
        many.Should().Throw<ArgumentException>().WithMessage("*at most 20*got 25*");
        way.Should().Throw<ArgumentException>().WithMessage("*--way*>= 2*");
    }

    [Fact]
    public void Parse_Defaults_AreTheReadmeTask()
    {
        var o = ComparisonOptions.Parse([]);

        (o.Way, o.Shot, o.Queries, o.Draws, o.Seed).Should().Be((20, 5, 10, 10, 1));
        o.Generated.Should().BeFalse();
    }

    [Fact]
    public void Parse_Emoji_IsOneShotOneQueryAndRefusesOtherShots()
    {
        var o = ComparisonOptions.Parse(["--emoji", "e", "--projection", "p", "--way", "5"]);

        (o.EmojiDir, o.Way, o.Shot, o.Queries, o.SkipFineTune).Should().Be(("e", 5, 1, 1, false));
        o.ProjectionDirs.Should().Equal("p");
        var two = ComparisonOptions.Parse(["--emoji", "e", "--projection", "p", "--projection", "q", "--skip-fine-tune"]);
        two.ProjectionDirs.Should().Equal("p", "q");
        two.SkipFineTune.Should().BeTrue();
        FluentActions.Invoking(() => ComparisonOptions.Parse(["--emoji", "e", "--shot", "5"])).Should().Throw<ArgumentException>().WithMessage("*1 shot (Google) and 1 query (Twitter)*");
        FluentActions.Invoking(() => ComparisonOptions.Parse(["--emoji", "e", "--omniglot", "o"])).Should().Throw<ArgumentException>().WithMessage("*exclude each other*");
    }
}
