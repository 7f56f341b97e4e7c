using OneShot.Training;
using static TorchSharp.torch;

namespace OneShot.Tests.Training;

[Collection(TorchGlobalState.Name)]
public sealed class EpisodeSamplerTests
{
    [Fact]
    public void Sample_FiveWayTwoShotThreeQuery_HasShapesAndRemappedLabels()
    {
        using var dataset = SyntheticClasses.Labelled(Enumerable.Repeat(8, 12).ToArray());
        var sampler = new EpisodeSampler(dataset, way: 5, shot: 2, query: 3);

        using var episode = sampler.Sample(seed: 1, episode: 0);

        episode.Support.shape.Should().Equal(10, 1, 4, 4);
        episode.Query.shape.Should().Equal(15, 1, 4, 4);
        episode.SupportLabels.data<long>().ToArray().Should().Equal(0, 0, 1, 1, 2, 2, 3, 3, 4, 4);
        episode.QueryLabels.data<long>().ToArray().Should().Equal(0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4);
        episode.ClassIndices.Should().HaveCount(5).And.OnlyHaveUniqueItems().And.OnlyContain(c => c >= 0 && c < 12);
    }

    [Fact]
    public void Sample_ManyEpisodes_SupportAndQueryAreDisjointAndPixelsMatchItems()
    {
        using var dataset = SyntheticClasses.Labelled(Enumerable.Repeat(6, 10).ToArray());
        var sampler = new EpisodeSampler(dataset, way: 4, shot: 2, query: 4);

        for (int e = 0; e < 50; e++)
        {
            using var episode = sampler.Sample(seed: 3, episode: e);
            var support = episode.Support[.., 0, 0, 0].data<float>().ToArray();
            var query = episode.Query[.., 0, 0, 0].data<float>().ToArray();
            for (int i = 0; i < 4; i++)
            {
                int c = episode.ClassIndices[i];
                episode.SupportItems[i].Concat(episode.QueryItems[i]).Should().OnlyHaveUniqueItems().And.HaveCount(6);
                support.Skip(i * 2).Take(2).Should().Equal(episode.SupportItems[i].Select(item => (float)((c * 1000) + item)));
                query.Skip(i * 4).Take(4).Should().Equal(episode.QueryItems[i].Select(item => (float)((c * 1000) + item)));
            }
        }
    }

    [Fact]
    public void Sample_SameSeedAndEpisode_IsIdentical_OtherSeedOrEpisodeDiffers()
    {
        using var dataset = SyntheticClasses.Labelled(Enumerable.Repeat(20, 30).ToArray());
        var sampler = new EpisodeSampler(dataset, way: 5, shot: 1, query: 5);

        string Key(int seed, long episode)
        {
            using var ep = sampler.Sample(seed, episode);
            return string.Join(",", ep.Support[.., 0, 0, 0].data<float>().ToArray().Concat(ep.Query[.., 0, 0, 0].data<float>().ToArray()));
        }

        Key(42, 7).Should().Be(Key(42, 7));
        Key(42, 7).Should().NotBe(Key(43, 7));
        Key(42, 7).Should().NotBe(Key(42, 8));
    }

    [Fact]
    public void Constructor_ClassesWithTooFewItems_ExcludedUpFront()
    {
        using var dataset = SyntheticClasses.Labelled([6, 2, 6, 6, 5]);

        var sampler = new EpisodeSampler(dataset, way: 3, shot: 1, query: 5);

        sampler.ExcludedClasses.Should().Equal(1, 4);
        sampler.EligibleClasses.Should().Equal(0, 2, 3);
        for (int e = 0; e < 20; e++)
        {
            using var episode = sampler.Sample(1, e);
            episode.ClassIndices.Should().BeEquivalentTo([0, 2, 3]);
        }
    }

    [Fact]
    public void Constructor_TooFewClassesWithEnoughItems_ThrowsNamingClassesAndCounts()
    {
        using var dataset = SyntheticClasses.Labelled([6, 2, 6, 5]);

        var act = () => new EpisodeSampler(dataset, way: 3, shot: 1, query: 5);

        act.Should().Throw<ArgumentException>().WithMessage(
            "3-way 1-shot 5-query episodes need 3 classes with at least 6 items (K+Q); only 2 of the dataset's 4 classes have that many. Classes with too few items: 'class1' (2 items), 'class3' (5 items).*");
    }

    [Fact]
    public void Constructor_FewerClassesThanWay_Throws()
    {
        using var dataset = SyntheticClasses.Labelled([6, 6]);

        var act = () => new EpisodeSampler(dataset, way: 5, shot: 1, query: 1);

        act.Should().Throw<ArgumentException>().WithMessage("5-way episodes need at least 5 classes; the dataset has 2.*");
    }

    [Fact]
    public void Sample_DisposedEpisode_LeavesNoLiveTensors()
    {
        using var dataset = SyntheticClasses.Labelled(Enumerable.Repeat(6, 10).ToArray());
        var sampler = new EpisodeSampler(dataset, way: 5, shot: 1, query: 5);
        using (sampler.Sample(1, 0))
        {
        }

        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int e = 0; e < 20; e++)
        {
            using var episode = sampler.Sample(1, e);
        }

        TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }
}
