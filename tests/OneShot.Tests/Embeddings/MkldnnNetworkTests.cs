using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>
/// Conv4's folded network runs on oneDNN's own tensors on the CPU; it must give what the plain eval network gives, for
/// any widths, input size and thread, and must decline (so the dense path runs) when its result would differ.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class MkldnnNetworkTests
{
    private static double Relative(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a - b).abs().max().item<float>() / b.abs().max().item<float>();
    }

    [Theory]
    [InlineData("conv4", true)]
    [InlineData("conv4-odd-widths", true)]
    [InlineData("resnet12", null)]
    [InlineData("resnet18", null)]
    public void FoldedForward_OnTheCpu_MatchesThePlainEvalForwardOnTheExpectedPath(string architecture, bool? mkldnn)
    {
        using var embedder = architecture == "conv4-odd-widths"
            ? EmbedderTests.CreateSeeded(new EmbedderOptions { Backbone = new Conv4Options { Widths = [5, 17, 20, 64] } })
            : EmbedderFoldingTests.SmallEmbedder(architecture, l2: false);
        EmbedderFoldingTests.Randomize(embedder.Network, seed: 5);
        var p = embedder.Preprocessing;
        using var images = TensorAssert.Images(7, p.Channels, p.Height, p.Width);
        using var folded = FoldedNetwork.TryCreate(embedder.Network, version: 0)!;
        using var plain = EmbedderFoldingTests.PlainForward(embedder, images);

        using var inference = inference_mode();
        using var fast = folded.Forward(images);

        folded.UsesMkldnn.Should().Be(mkldnn, "this libtorch (CPU) has mkldnn, so Conv4's fast path must not silently fall back");
        fast.shape.Should().Equal(plain.shape);
        Relative(fast, plain).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void FoldedForward_TwoInputSizes_ReordersTheWeightsForEachAndStaysRight()
    {
        using var embedder = EmbedderFoldingTests.SmallEmbedder("conv4", l2: false);
        using var folded = FoldedNetwork.TryCreate(embedder.Network, version: 0)!;

        foreach (int size in new[] { 28, 56, 28 })
        {
            using var images = TensorAssert.Images(3, 1, size, size);
            using var plain = EmbedderFoldingTests.PlainForward(embedder, images);
            using var inference = inference_mode();
            using var fast = folded.Forward(images);
            Relative(fast, plain).Should().BeLessThan(1e-5, $"input {size}x{size}");
        }

        folded.UsesMkldnn.Should().BeTrue();
    }

    [Fact]
    public void FoldedForward_FourThreadsAtOnce_EachGetsItsOwnRightResult()
    {
        using var embedder = EmbedderFoldingTests.SmallEmbedder("conv4", l2: false);
        using var folded = FoldedNetwork.TryCreate(embedder.Network, version: 0)!;
        var inputs = Enumerable.Range(0, 4).Select(i => TensorAssert.Images(2 + i, 1, 28, 28)).ToArray();
        var expected = inputs.Select(x => EmbedderFoldingTests.PlainForward(embedder, x)).ToArray();

        var errors = new double[4];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            using var scope = NewDisposeScope();
            using var inference = inference_mode();
            for (int r = 0; r < 3; r++)
            {
                errors[i] = Math.Max(errors[i], Relative(folded.Forward(inputs[i]), expected[i]));
            }
        });

        errors.Should().OnlyContain(e => e < 1e-5);
        folded.UsesMkldnn.Should().BeTrue();
    }

    [Theory]
    [InlineData("x = CONV(0, x)\nreturn x.to_dense().flatten(1)", "a body without the ReLU: a different result")]
    public void TryForward_BodyThatDisagreesWithTheDensePath_DeclinesForGood(string body, string why)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(3);
        var w = randn([8, 1, 3, 3], generator: generator);
        var b = randn([8], generator: generator);
        Tensor Dense(Tensor x) => nn.functional.conv2d(x, w, b, padding: [1, 1]).relu().flatten(1);
        using var network = new MkldnnNetwork([(w, b, 1, 1)], body, x => (Dense(x), [x.shape]));
        using var inference = inference_mode();

        network.TryForward(rand([2, 1, 6, 6])).Should().BeNull(why);
        network.Declined.Should().BeTrue();
        network.TryForward(rand([2, 1, 6, 6])).Should().BeNull("declined for good");
    }

    [Fact]
    public void TryForward_Float64Input_DeclinesForThatCallOnly()
    {
        using var scope = NewDisposeScope();
        var w = randn([8, 1, 3, 3]);
        var b = randn([8]);
        Tensor Dense(Tensor x) => nn.functional.conv2d(x, w, b, padding: [1, 1]).relu().flatten(1);
        using var network = new MkldnnNetwork([(w, b, 1, 1)], "return CONV(0, x).relu_().to_dense().flatten(1)", x => (Dense(x), [x.shape]));
        using var inference = inference_mode();

        network.TryForward(rand([2, 1, 6, 6], dtype: float64)).Should().BeNull();
        var fast = network.TryForward(rand([2, 1, 6, 6]));

        fast.Should().NotBeNull();
        network.Declined.Should().BeFalse();
    }
}
