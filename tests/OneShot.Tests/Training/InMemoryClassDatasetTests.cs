using OneShot.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Training;

[Collection(TorchGlobalState.Name)]
public sealed class InMemoryClassDatasetTests
{
    [Fact]
    public void FromTensor_Uint8FourDims_LoadsSelectedItemsScaledToUnit()
    {
        var bytes = new byte[2 * 3 * 2 * 2];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 10);
        }

        using var source = torch.tensor(bytes, new long[] { 2, 3, 2, 2 });
        using var dataset = InMemoryClassDataset.FromTensor(source, ["a", "b"]);

        dataset.Classes.Should().Equal("a", "b");
        dataset.ItemShape.Should().Be((1, 2, 2));
        dataset.CountOf(1).Should().Be(3);
        using var loaded = dataset.Load(1, [2, 0]);
        loaded.shape.Should().Equal(2, 1, 2, 2);
        loaded.dtype.Should().Be(ScalarType.Float32);
        // class 1 item 2 starts at flat index (3 + 2) * 4 = 20 -> 200/255; item 0 at 12 -> 120/255.
        loaded[0, 0, 0, 0].item<float>().Should().BeApproximately(200f / 255f, 1e-7f);
        loaded[1, 0, 1, 1].item<float>().Should().BeApproximately(150f / 255f, 1e-7f);
    }

    [Fact]
    public void FromClasses_DifferentCounts_KeepsCountsAndCopiesInput()
    {
        using var a = torch.full(new long[] { 2, 1, 3, 3 }, 1f);
        using var b = torch.full(new long[] { 5, 1, 3, 3 }, 2f);
        using var dataset = InMemoryClassDataset.FromClasses([a, b]);
        a.fill_(9f);

        dataset.Classes.Should().Equal("class0", "class1");
        dataset.CountOf(0).Should().Be(2);
        dataset.CountOf(1).Should().Be(5);
        dataset.TotalCount.Should().Be(7);
        using var loaded = dataset.Load(0, [1]);
        loaded.sum().item<float>().Should().Be(9f, "the dataset holds a copy of the 1x3x3 ones, not the input overwritten with 9 (sum 81)");
    }

    [Fact]
    public void Load_ItemOutOfRange_ThrowsNamingClassAndRange()
    {
        using var dataset = SyntheticClasses.Labelled([3, 4]);

        var act = () => dataset.Load(0, [3]);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Class 0 ('class0') has items 0..2; got item 3.*");
    }

    [Fact]
    public void FromArrays_LengthNotMultipleOfItem_ThrowsWithCounts()
    {
        var act = () => InMemoryClassDataset.FromArrays([new float[10]], (1, 2, 2));

        act.Should().Throw<ArgumentException>().WithMessage("Class 0: expected a non-empty array whose length is a multiple of C*H*W = 4; got 10.*");
    }

    [Fact]
    public void Load_ManyThreads_ReturnsTheSameValues()
    {
        using var dataset = SyntheticClasses.Labelled([20, 20, 20]);
        var sums = new float[64];

        Parallel.For(0, sums.Length, i =>
        {
            using var t = dataset.Load(i % 3, [i % 20]);
            sums[i] = t.sum().item<float>();
        });

        sums.Select((s, i) => s / 16f).Should().Equal(Enumerable.Range(0, 64).Select(i => (float)(((i % 3) * 1000) + (i % 20))));
    }
}
