using System.CommandLine;
using OneShot.Classification;
using OneShot.Evaluation;

namespace OneShot.Cli;

/// <summary>
/// The episode options shared by <c>evaluate</c> and <c>calibrate</c> (--way, --shot, --query, --episodes, --seed),
/// with each command's defaults, and the <see cref="EpisodeEvaluationOptions"/> they describe.
/// </summary>
internal sealed class EpisodeArguments
{
    public EpisodeArguments(int way, int episodes, int seed, string episodesDescription)
    {
        Way = new Option<int>("--way") { Description = "Classes per episode.", DefaultValueFactory = _ => way };
        Shot = new Option<int>("--shot") { Description = "Support images per class.", DefaultValueFactory = _ => 1 };
        Query = new Option<int>("--query") { Description = "Query images per class.", DefaultValueFactory = _ => 15 };
        Episodes = new Option<int>("--episodes") { Description = episodesDescription, DefaultValueFactory = _ => episodes };
        Seed = new Option<int>("--seed") { Description = "Episode sampling seed.", DefaultValueFactory = _ => seed };
    }

    public Option<int> Way { get; }

    public Option<int> Shot { get; }

    public Option<int> Query { get; }

    public Option<int> Episodes { get; }

    public Option<int> Seed { get; }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Way, Shot, Query, Episodes, Seed })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The episodes the command line asks for, classified by <paramref name="classifier"/>.</summary>
    public EpisodeEvaluationOptions Resolve(ParseResult result, ClassifierOptions classifier) => new()
    {
        Way = result.GetValue(Way),
        Shot = result.GetValue(Shot),
        Query = result.GetValue(Query),
        Episodes = result.GetValue(Episodes),
        Seed = result.GetValue(Seed),
        Classifier = classifier,
    };
}
