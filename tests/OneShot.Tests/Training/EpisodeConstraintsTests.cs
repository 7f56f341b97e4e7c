using OneShot.Data;
using OneShot.Training;

namespace OneShot.Tests.Training;

/// <summary>Episodes drawn from item pools (two-artist protocol) and within one class group (within-subcategory protocol).</summary>
public sealed class EpisodeConstraintsTests
{
    [Fact]
    public void Plan_ItemPools_SupportFromItemZeroQueryFromItemOne()
    {
        using var data = Dataset(classes: 6, perClass: 2);
        var sampler = new EpisodeSampler(data, way: 5, shot: 1, query: 1, new EpisodeConstraints([0], [1], null));

        for (int e = 0; e < 50; e++)
        {
            var plan = sampler.Plan(EpisodeSampler.CreateRandom(3, e));
            plan.SupportItems.Should().OnlyContain(items => items.SequenceEqual(new[] { 0 }));
            plan.QueryItems.Should().OnlyContain(items => items.SequenceEqual(new[] { 1 }));
            plan.ClassIndices.Should().OnlyHaveUniqueItems();
        }
    }

    [Fact]
    public void Plan_ClassGroups_EveryEpisodeWithinOneGroupAndEveryLargeGroupUsed()
    {
        using var data = Dataset(classes: 9, perClass: 3);
        string[] groups = ["a", "a", "a", "b", "b", "b", "b", "c", "c"];
        var sampler = new EpisodeSampler(data, way: 3, shot: 1, query: 2, new EpisodeConstraints(null, null, groups));
        var used = new HashSet<string>();

        for (int e = 0; e < 60; e++)
        {
            var plan = sampler.Plan(EpisodeSampler.CreateRandom(5, e));
            plan.ClassIndices.Select(c => groups[c]).Distinct().Should().ContainSingle();
            used.Add(groups[plan.ClassIndices[0]]);
        }

        sampler.GroupCount.Should().Be(2, "group c has only 2 classes, too few for 3-way episodes");
        used.Should().BeEquivalentTo(["a", "b"]);
    }

    [Fact]
    public void Constructor_NoGroupLargeEnough_ThrowsNamingTheLargestGroup()
    {
        using var data = Dataset(classes: 4, perClass: 2);

        var act = () => new EpisodeSampler(data, way: 3, shot: 1, query: 1, new EpisodeConstraints(null, null, ["a", "a", "b", "b"]));

        act.Should().Throw<ArgumentException>().WithMessage("*3-way episodes within one group*largest has 2*");
    }

    [Fact]
    public void Options_OverlappingPools_ThrowArgumentException()
    {
        var options = new OneShot.Evaluation.EpisodeEvaluationOptions { SupportItems = [0, 1], QueryItems = [1] };

        var act = () => options.Constraints();

        act.Should().Throw<ArgumentException>().WithMessage("*share items (1)*");
    }

    [Fact]
    public void Evaluate_TwoArtistProtocol_UsesTheQueryPoolOnly()
    {
        // Item 0 of class c is the one-hot vector e_c; item 1 is e_c for the first 3 classes and e_(c+1 mod 6) for the rest:
        // with support from item 0 and queries from item 1, exactly the first 3 classes are right.
        var items = Enumerable.Range(0, 6).Select(c =>
        {
            var a = new float[2 * 6];
            a[c] = 1f;
            a[6 + (c < 3 ? c : (c + 1) % 6)] = 1f;
            return a;
        }).ToList();
        using var data = InMemoryClassDataset.FromArrays(items, (1, 1, 6));
        using var embedder = new OneShot.Tests.Galleries.FlattenEmbedder(height: 1, width: 6);
        var options = new OneShot.Evaluation.EpisodeEvaluationOptions { Way = 6, Shot = 1, Query = 1, Episodes = 3, SupportItems = [0], QueryItems = [1] };

        var result = new OneShot.Evaluation.EpisodeEvaluator(options).Evaluate(embedder, data);

        result.Accuracy.Should().Be(0.5);
    }

    private static InMemoryClassDataset Dataset(int classes, int perClass) =>
        InMemoryClassDataset.FromArrays(Enumerable.Range(0, classes).Select(c => Enumerable.Repeat((float)c, perClass * 4).ToArray()).ToList(), (1, 2, 2));
}
