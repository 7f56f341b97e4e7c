using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>Conv4's oneDNN-tensor path must give what the dense folded path gives, for any input shape and thread.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class MkldnnConv4Tests
{
    private static List<(Tensor Weight, Tensor Bias)> Layers(int inChannels, int[] widths, ulong seed)
    {
        var generator = new Generator(seed);
        var layers = new List<(Tensor, Tensor)>();
        foreach (int width in widths)
        {
            layers.Add((randn([width, inChannels, 3, 3], generator: generator) / Math.Sqrt(inChannels * 9), randn([width], generator: generator) * 0.1));
            inChannels = width;
        }

        return layers;
    }

    private static Tensor Dense(List<(Tensor Weight, Tensor Bias)> layers, Tensor x)
    {
        using var scope = NewDisposeScope();
        foreach (var (w, b) in layers)
        {
            x = nn.functional.max_pool2d(nn.functional.conv2d(x, w, b, padding: [1, 1]).relu(), 2);
        }

        return x.flatten(1).MoveToOuterDisposeScope();
    }

    private static double Relative(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a - b).abs().max().item<float>() / b.abs().max().item<float>();
    }

    [Theory]
    [InlineData(1, 28, 28, new[] { 64, 64, 64, 64 })]
    [InlineData(3, 84, 84, new[] { 64, 64, 64, 64 })]
    [InlineData(1, 32, 20, new[] { 5, 7, 17, 20 })]
    public void TryForward_OnTheCpu_RunsAndMatchesTheDenseFoldedPath(int channels, int height, int width, int[] widths)
    {
        using var scope = NewDisposeScope();
        var layers = Layers(channels, widths, seed: 7);
        using var mkldnn = new MkldnnConv4(layers);
        var x = rand([9, channels, height, width], generator: new Generator(8));
        using var inference = inference_mode();

        var fast = mkldnn.TryForward(x);
        var dense = Dense(layers, x);

        fast.Should().NotBeNull("this libtorch (CPU) has mkldnn, so the fast path must not silently fall back");
        fast!.shape.Should().Equal(dense.shape);
        Relative(fast, dense).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void TryForward_TwoInputSizes_ReordersTheWeightsForEachAndStaysRight()
    {
        using var scope = NewDisposeScope();
        var layers = Layers(1, [8, 8, 8, 8], seed: 9);
        using var mkldnn = new MkldnnConv4(layers);
        using var inference = inference_mode();

        foreach (int size in new[] { 28, 56, 28 })
        {
            var x = rand([3, 1, size, size], generator: new Generator((ulong)size));
            var fast = mkldnn.TryForward(x);
            fast.Should().NotBeNull();
            Relative(fast!, Dense(layers, x)).Should().BeLessThan(1e-5, $"input {size}x{size}");
        }
    }

    [Fact]
    public void TryForward_Float64Input_DeclinesSoTheDensePathRuns()
    {
        using var scope = NewDisposeScope();
        using var mkldnn = new MkldnnConv4(Layers(1, [4, 4, 4, 4], seed: 1));

        mkldnn.TryForward(rand([2, 1, 28, 28], dtype: float64)).Should().BeNull();
    }

    [Fact]
    public void TryForward_FourThreadsAtOnce_EachGetsItsOwnRightResult()
    {
        using var scope = NewDisposeScope();
        var layers = Layers(1, [16, 16, 16, 16], seed: 4);
        using var mkldnn = new MkldnnConv4(layers);
        var inputs = Enumerable.Range(0, 4).Select(i => rand([5, 1, 28, 28], generator: new Generator((ulong)(100 + i)))).ToArray();
        var expected = inputs.Select(x => Dense(layers, x)).ToArray();

        var errors = new double[4];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            using var threadScope = NewDisposeScope();
            using var inference = inference_mode();
            for (int r = 0; r < 5; r++)
            {
                var fast = mkldnn.TryForward(inputs[i])!;
                errors[i] = Math.Max(errors[i], Relative(fast, expected[i]));
            }
        });

        errors.Should().OnlyContain(e => e < 1e-5);
    }

    [Fact]
    public void Constructor_NotFourLayers_IsAnArgumentError()
    {
        using var scope = NewDisposeScope();
        var act = () => new MkldnnConv4(Layers(1, [4, 4, 4], seed: 1));

        act.Should().Throw<ArgumentException>().WithMessage("*4 convolutions; got 3*");
    }
}
