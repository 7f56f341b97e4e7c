using OneShot.Tests.Training;
using OneShot.Verification;
using static TorchSharp.torch;

namespace OneShot.Tests.Verification;

[Collection(TorchGlobalState.Name)]
public sealed class PairSamplerTests
{
    [Fact]
    public void Sample_ManyBatches_AlternatesSameAndDifferentAndPixelsMatchClasses()
    {
        // Item (c, i) has every pixel c*1000 + i; class 3 has a single item, so it only appears in "different" pairs.
        using var dataset = SyntheticClasses.Labelled([5, 4, 6, 1]);
        var sampler = new PairSampler(dataset);

        for (int b = 0; b < 30; b++)
        {
            using var batch = sampler.Sample(seed: 3, batch: b, pairs: 7);
            batch.Left.shape.Should().Equal(7, 1, 4, 4);
            batch.Right.shape.Should().Equal(7, 1, 4, 4);
            batch.IsSame.data<float>().ToArray().Should().Equal(1f, 0f, 1f, 0f, 1f, 0f, 1f);
            float[] left = batch.Left[.., 0, 0, 0].data<float>().ToArray();
            float[] right = batch.Right[.., 0, 0, 0].data<float>().ToArray();
            for (int i = 0; i < 7; i++)
            {
                ((int)left[i] / 1000).Should().Be(batch.LeftClasses[i]);
                ((int)right[i] / 1000).Should().Be(batch.RightClasses[i]);
                if (i % 2 == 0)
                {
                    batch.RightClasses[i].Should().Be(batch.LeftClasses[i]).And.NotBe(3);
                    right[i].Should().NotBe(left[i], "a same pair holds two distinct items");
                }
                else
                {
                    batch.RightClasses[i].Should().NotBe(batch.LeftClasses[i]);
                }
            }
        }
    }

    [Fact]
    public void Sample_SameSeedAndBatch_Identical_OtherBatchDiffers()
    {
        using var dataset = SyntheticClasses.Labelled([6, 6, 6, 6, 6]);
        var sampler = new PairSampler(dataset);

        using var a = sampler.Sample(seed: 9, batch: 4, pairs: 10);
        using var b = sampler.Sample(seed: 9, batch: 4, pairs: 10);
        using var c = sampler.Sample(seed: 9, batch: 5, pairs: 10);

        b.Left.data<float>().ToArray().Should().Equal(a.Left.data<float>().ToArray());
        b.Right.data<float>().ToArray().Should().Equal(a.Right.data<float>().ToArray());
        c.Left.data<float>().ToArray().Should().NotEqual(a.Left.data<float>().ToArray());
    }

    [Fact]
    public void Constructor_OneClass_ThrowsNamingTheClassCount()
    {
        using var dataset = SyntheticClasses.Labelled([5]);

        var act = () => new PairSampler(dataset);

        act.Should().Throw<ArgumentException>().WithParameterName("dataset")
            .WithMessage("Pairs of different classes need at least 2 classes with items; the dataset has 1 (1 classes in all).*");
    }

    [Fact]
    public void Constructor_NoClassWithTwoItems_Throws()
    {
        using var dataset = SyntheticClasses.Labelled([1, 1, 1]);

        var act = () => new PairSampler(dataset);

        act.Should().Throw<ArgumentException>().WithParameterName("dataset")
            .WithMessage("Pairs of the same class need a class with at least 2 items; none of the dataset's 3 classes has more than 1.*");
    }
}
