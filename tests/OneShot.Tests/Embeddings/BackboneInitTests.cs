using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>Backbones built with a generator draw their initial weights from it alone, not from TorchSharp's global one.</summary>
public sealed class BackboneInitTests
{
    private static nn.Module<Tensor, Tensor> Build(string name, Generator generator) => name switch
    {
        "conv4" => new Conv4(1, [8, 8, 8, 8], generator),
        "resnet12" => new ResNet12(3, [8, 12, 16, 20], generator),
        "resnet18" => new ResNet18(3, generator: generator),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown backbone."),
    };

    private static Dictionary<string, byte[]> Bytes(nn.Module network) =>
        network.state_dict().ToDictionary(p => p.Key, p => TensorAssert.Bytes(p.Value));

    [Theory]
    [InlineData("conv4")]
    [InlineData("resnet12")]
    [InlineData("resnet18")]
    public void Constructor_SameGeneratorSeed_BitIdenticalWeightsWhateverTheGlobalGeneratorDid(string name)
    {
        Dictionary<string, byte[]> Weights(ulong seed)
        {
            using var generator = new Generator(seed);
            using var network = Build(name, generator);
            return Bytes(network);
        }

        var first = Weights(5);
        using (var consumer = new Conv4()) // draws from the global generator in between
        {
            consumer.parameters().Should().NotBeEmpty();
        }

        var again = Weights(5);
        var other = Weights(6);

        again.Keys.Should().Equal(first.Keys);
        foreach (var (key, bytes) in first)
        {
            again[key].Should().Equal(bytes, "{0} comes from the generator alone", key);
        }

        first.Where(p => p.Key.EndsWith("weight", StringComparison.Ordinal) && !other[p.Key].SequenceEqual(p.Value))
            .Should().NotBeEmpty("another seed gives other weights");
    }

    [Fact]
    public void ResNet12_WithGenerator_ConvolutionsFollowFanOutKaimingNormal()
    {
        using var generator = new Generator(3);
        using var network = new ResNet12(3, [64, 160, 320, 640], generator);
        var weight = network.state_dict()["layer4.0.conv2.weight"];

        double std = weight.std().item<float>();
        double expected = Math.Sqrt(2.0 / (640 * 9));
        std.Should().BeApproximately(expected, expected * 0.01, "3.7M draws of N(0, 2/fan_out)");
        weight.mean().item<float>().Should().BeApproximately(0f, (float)(expected * 0.01));
    }

    [Fact]
    public void Conv4_WithGenerator_WeightsAndBiasesUniformWithinInverseSqrtFanIn()
    {
        using var generator = new Generator(3);
        using var network = new Conv4(1, [64, 64, 64, 64], generator);
        var weight = network.state_dict()["encoder.1.0.weight"];
        var bias = network.state_dict()["encoder.1.0.bias"];
        double bound = 1.0 / Math.Sqrt(64 * 9);

        weight.abs().max().item<float>().Should().BeLessThanOrEqualTo((float)bound);
        weight.abs().max().item<float>().Should().BeGreaterThan((float)(bound * 0.99), "36,864 uniform draws reach the bound");
        bias.abs().max().item<float>().Should().BeLessThanOrEqualTo((float)bound);
        weight.std().item<float>().Should().BeApproximately((float)(bound / Math.Sqrt(3)), (float)(bound * 0.02));
    }
}
