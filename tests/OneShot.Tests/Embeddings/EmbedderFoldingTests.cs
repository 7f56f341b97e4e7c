using OneShot.Data;
using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>Embed runs a copy with batch norms folded into the convolutions; it must match the plain eval network.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class EmbedderFoldingTests
{
    [Theory]
    [InlineData("conv4", false)]
    [InlineData("conv4", true)]
    [InlineData("resnet12", false)]
    [InlineData("resnet18", false)]
    [InlineData("resnet18", true)]
    [InlineData("resnet18-2223", false)]
    [InlineData("resnet18-pooled", false)]
    [InlineData("resnet18-pooled", true)]
    public void Embed_NonTrivialBatchNormStatistics_MatchesPlainEvalForward(string architecture, bool l2)
    {
        using var embedder = SmallEmbedder(architecture, l2);
        Randomize(embedder.Network, seed: 3);
        var p = embedder.Preprocessing;
        using var images = TensorAssert.Images(5, p.Channels, p.Height, p.Width);

        using var folded = embedder.Embed(images);
        using var plain = PlainForward(embedder, images);

        folded.shape.Should().Equal(plain.shape);
        MaxAbsDifference(folded, plain).Should().BeLessThan(1e-4, "folding only reorders float arithmetic");
        plain.abs().max().item<float>().Should().BeGreaterThan(1e-2f, "the comparison must not be between near-zero vectors");
    }

    [Fact]
    public void Embed_AfterWeightsChangeInPlaceAndNotify_SeesNewWeights()
    {
        using var embedder = SmallEmbedder("conv4", l2: false);
        using var images = TensorAssert.Images(4, 1, 28, 28);
        using var before = embedder.Embed(images);

        // What a training step does: in-place updates of parameters and batch-norm buffers.
        embedder.Network.train();
        using (var scope = NewDisposeScope())
        {
            _ = embedder.Forward(images * 3); // updates running statistics
            using var noGrad = no_grad();
            embedder.Network.parameters().First().add_(0.5);
        }

        embedder.NotifyWeightsChanged();
        using var after = embedder.Embed(images);
        embedder.Network.training.Should().BeTrue("Embed never switches the network's mode");
        using var plain = PlainForward(embedder, images);

        MaxAbsDifference(after, before).Should().BeGreaterThan(1e-3);
        MaxAbsDifference(after, plain).Should().BeLessThan(1e-4);
    }

    [Fact]
    public void Embed_ManyCalls_LeavesNoLiveTensors()
    {
        using var embedder = SmallEmbedder("conv4", l2: true);
        using var images = TensorAssert.Images(2, 1, 28, 28);
        embedder.Embed(images).Dispose();
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 20; i++)
        {
            embedder.Embed(images).Dispose();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(live);
    }

    [Fact]
    public void Embed_FirstCallInsideCallersScope_FoldedCopySurvivesTheScope()
    {
        using var embedder = SmallEmbedder("conv4", l2: false);
        using var images = TensorAssert.Images(2, 1, 28, 28);
        using (var scope = NewDisposeScope())
        {
            _ = embedder.Embed(images);
        }

        using var again = embedder.Embed(images);
        using var plain = PlainForward(embedder, images);

        MaxAbsDifference(again, plain).Should().BeLessThan(1e-4);
    }

    /// <summary>A small seeded embedder: conv4 (1x28x28), resnet12 (3x20x20), resnet18 (3x32x32; "resnet18-2223" with CNTK's extra last-stage block) or dropout (a backbone the library cannot fold, 3x12x12).</summary>
    internal static Embedder SmallEmbedder(string architecture, bool l2)
    {
        var rgb = (int size) => new ImagePreprocessing { Color = ColorMode.Rgb, Width = size, Height = size };
        var options = architecture switch
        {
            "conv4" => new EmbedderOptions { Backbone = new Conv4Options { Widths = [4, 5, 6, 7] } },
            "resnet12" => new EmbedderOptions { Backbone = new ResNet12Options { Widths = [4, 6, 8, 10] }, Preprocessing = rgb(20) },
            "resnet18" => new EmbedderOptions { Backbone = new ResNet18Options(), Preprocessing = rgb(32) },
            "resnet18-2223" => new EmbedderOptions { Backbone = new ResNet18Options { BlocksPerStage = [2, 2, 2, 3] }, Preprocessing = rgb(32) },
            "resnet18-pooled" => new EmbedderOptions { Backbone = new ResNet18Options { Pooling = StagePooling.ParseList("layer3:3,layer4:2") }, Preprocessing = rgb(64) },
            "dropout" => new EmbedderOptions { Backbone = new DropoutBackboneOptions(), Preprocessing = rgb(12) },
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "unknown test architecture"),
        };
        return EmbedderTests.CreateSeeded(options with { L2Normalize = l2 });
    }

    /// <summary>Gives every batch norm running statistics and shifts a fresh network would not have.</summary>
    internal static void Randomize(nn.Module<Tensor, Tensor> network, long seed)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        foreach (var (name, t) in network.state_dict())
        {
            if (name.EndsWith("running_var", StringComparison.Ordinal))
            {
                t.copy_(rand(t.shape, generator: generator) + 0.5);
            }
            else if (name.EndsWith("running_mean", StringComparison.Ordinal) || (name.Contains("bn", StringComparison.Ordinal) && name.EndsWith("bias", StringComparison.Ordinal)))
            {
                t.copy_(randn(t.shape, generator: generator) * 0.3);
            }
        }
    }

    /// <summary>The plain eval-mode forward pass (leaves the network in evaluation mode).</summary>
    internal static Tensor PlainForward(Embedder embedder, Tensor images)
    {
        embedder.Network.eval();
        using var inference = inference_mode();
        return embedder.Forward(images);
    }

    internal static double MaxAbsDifference(Tensor a, Tensor b)
    {
        using var difference = (a - b).abs().max();
        return difference.item<float>();
    }
}
