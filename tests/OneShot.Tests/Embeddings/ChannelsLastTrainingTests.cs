using OneShot.Data;
using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>
/// The training path (<see cref="Embedder.Forward"/>) hands the network channels-last input on the CPU, which trains
/// faster; it must give the NCHW forward pass's output and gradients.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class ChannelsLastTrainingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    public void ChannelsLast_AnyChannelCount_HasNhwcStridesAndTheSameValues(int channels)
    {
        using var x = TensorAssert.Images(2, channels, 5, 4);
        using var nhwc = FoldedNetwork.ChannelsLast(x);

        nhwc.shape.Should().Equal(x.shape);
        nhwc.stride().Should().Equal(5 * 4 * channels, 1, 4 * channels, channels);
        using var difference = (nhwc - x).abs().max();
        difference.item<float>().Should().Be(0f);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Forward_OnTheCpu_GivesTheNetworkChannelsLastInput(int channels)
    {
        var seen = new List<long[]>();
        var options = new EmbedderOptions
        {
            Backbone = new StrideProbeBackboneOptions(seen.Add),
            Preprocessing = new ImagePreprocessing { Color = channels == 1 ? ColorMode.Grayscale : ColorMode.Rgb, Width = 6, Height = 5 },
            Device = DeviceChoice.Cpu,
        };
        using var embedder = Embedder.Create(options);
        using var images = TensorAssert.Images(3, channels, 5, 6);
        seen.Clear(); // Create ran the network once to learn the embedding size

        using (var output = embedder.Forward(images))
        {
            output.shape.Should().Equal(3, 4);
        }

        seen.Should().ContainSingle().Which.Should().Equal(5 * 6 * channels, 1, 6 * channels, channels);
    }

    [Theory]
    [InlineData("conv4")]
    [InlineData("resnet12")]
    [InlineData("resnet18")]
    public void Forward_InTrainingMode_MatchesTheNchwPassAndItsGradients(string architecture)
    {
        using var embedder = EmbedderFoldingTests.SmallEmbedder(architecture, l2: false);
        embedder.Network.train();
        var p = embedder.Preprocessing;
        using var images = TensorAssert.Images(8, p.Channels, p.Height, p.Width);

        var (output, gradients) = OutputAndGradients(embedder, () => embedder.Forward(images));
        var (nchwOutput, nchwGradients) = OutputAndGradients(embedder, () => embedder.Network.forward(images.contiguous()));

        images.is_contiguous().Should().BeTrue("the reference pass must run in NCHW");
        using (var difference = (output - nchwOutput).abs().max())
        using (var scale = nchwOutput.abs().max())
        {
            difference.item<float>().Should().BeLessThan(1e-4f * Math.Max(1f, scale.item<float>()));
        }

        // Relative to each gradient's norm, but a convolution bias followed by batch norm has a zero gradient in
        // exact arithmetic (the batch mean removes it), so tiny norms are measured against the largest one.
        gradients.Keys.Should().BeEquivalentTo(nchwGradients.Keys);
        float largest = nchwGradients.Values.Max(g =>
        {
            using var norm = g.norm();
            return norm.item<float>();
        });
        foreach (var (name, gradient) in gradients)
        {
            using var difference = (gradient - nchwGradients[name]).norm();
            using var norm = nchwGradients[name].norm();
            difference.item<float>().Should().BeLessThanOrEqualTo(1e-3f * Math.Max(norm.item<float>(), 1e-2f * largest), name);
        }

        output.Dispose();
        nchwOutput.Dispose();
        foreach (var g in gradients.Values.Concat(nchwGradients.Values))
        {
            g.Dispose();
        }
    }

    /// <summary>The output and every parameter's gradient of a fixed random projection of it.</summary>
    private static (Tensor Output, Dictionary<string, Tensor> Gradients) OutputAndGradients(Embedder embedder, Func<Tensor> forward)
    {
        embedder.Network.zero_grad();
        using var scope = NewDisposeScope();
        var output = forward();
        using var generator = new Generator(11);
        var weights = randn(output.shape, generator: generator);
        (output * weights).sum().backward();
        var gradients = embedder.Network.named_parameters()
            .Where(p => p.parameter.grad is not null)
            .ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone().MoveToOuterDisposeScope());
        embedder.Network.zero_grad();
        return (output.detach().MoveToOuterDisposeScope(), gradients);
    }
}
