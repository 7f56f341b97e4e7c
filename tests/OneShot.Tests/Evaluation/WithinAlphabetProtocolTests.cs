using OneShot.Data;
using OneShot.Evaluation;
using OneShot.Training;

namespace OneShot.Tests.Evaluation;

/// <summary>Lake et al.'s within-alphabet protocol: one alphabet per episode, support and queries by different drawers.</summary>
public sealed class WithinAlphabetProtocolTests
{
    [Fact]
    public void WithinAlphabet_Episodes_OneAlphabetAndSupportDrawerNeverAQueryDrawer()
    {
        // 3 alphabets of 4, 5 and 2 characters; 6 drawings each (item j = drawer j).
        string[] names =
        [
            .. Enumerable.Range(1, 4).Select(c => $"Greek/character{c:D2}"),
            .. Enumerable.Range(1, 5).Select(c => $"Korean/character{c:D2}"),
            .. Enumerable.Range(1, 2).Select(c => $"Tifinagh/character{c:D2}"),
        ];
        using var data = InMemoryClassDataset.FromArrays(names.Select(_ => new float[6 * 4]).ToList(), (1, 2, 2), names);
        var options = new EpisodeEvaluationOptions { Way = 3, Shot = 1, Query = 2 }.WithinAlphabet(data);
        var sampler = new EpisodeSampler(data, options.Way, options.Shot, options.Query, options.Constraints());
        var alphabets = new HashSet<string>();

        for (int e = 0; e < 100; e++)
        {
            var plan = sampler.Plan(EpisodeSampler.CreateRandom(7, e));
            var alphabet = plan.ClassIndices.Select(c => names[c].Split('/')[0]).Distinct().Should().ContainSingle().Subject;
            alphabets.Add(alphabet);
            plan.SupportItems.Select(s => s.Single()).Distinct().Should().ContainSingle("one drawer draws every support image of an episode");
            var queryDrawers = plan.QueryItems.SelectMany(q => q).Distinct().ToList();
            queryDrawers.Should().HaveCount(2, "every class's queries come from the same two drawers");
            queryDrawers.Should().NotContain(plan.SupportItems[0][0]);
        }

        options.SharedItemIndices.Should().BeTrue();
        alphabets.Should().BeEquivalentTo(["Greek", "Korean"], "Tifinagh has too few characters for 3-way episodes");
    }

    [Fact]
    public void WithinAlphabet_Evaluate_MeasuresAcrossDrawers()
    {
        // Two alphabets of 3 characters, 2 drawers. Drawer 0 draws character c as e_c; drawer 1 swaps the drawings of
        // characters 0 and 2 of each alphabet: with support by one drawer and queries by the other, only character 1
        // is right in every episode (the same drawer for both would score 1).
        string[] names = ["A/character01", "A/character02", "A/character03", "B/character01", "B/character02", "B/character03"];
        var items = Enumerable.Range(0, 6).Select(c =>
        {
            var a = new float[2 * 6];
            a[c] = 1f;
            a[6 + (c % 3) switch { 0 => c + 2, 2 => c - 2, _ => c }] = 1f;
            return a;
        }).ToList();
        using var data = InMemoryClassDataset.FromArrays(items, (1, 1, 6), names);
        using var embedder = new OneShot.Tests.Galleries.FlattenEmbedder(height: 1, width: 6);
        var options = new EpisodeEvaluationOptions { Way = 3, Shot = 1, Query = 1, Episodes = 20 }.WithinAlphabet(data);

        var result = new EpisodeEvaluator(options).Evaluate(embedder, data);

        result.Accuracy.Should().BeApproximately(1.0 / 3.0, 1e-12);
    }
}
