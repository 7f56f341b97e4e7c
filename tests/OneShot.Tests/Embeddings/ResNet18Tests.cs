using OneShot.Data;
using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

[Collection(TorchGlobalState.Name)]
public sealed class ResNet18Tests
{
    /// <summary>torchvision's <c>resnet18().state_dict()</c> minus <c>fc.weight</c> and <c>fc.bias</c>, with shapes.</summary>
    private static List<string> TorchvisionKeysWithoutFc(int inChannels)
    {
        var keys = new List<string> { $"conv1.weight [64,{inChannels},7,7] Float32" };
        AddBatchNorm(keys, "bn1", 64);
        int cin = 64;
        int[] widths = [64, 128, 256, 512];
        for (int stage = 0; stage < 4; stage++)
        {
            int w = widths[stage];
            for (int block = 0; block < 2; block++)
            {
                string p = $"layer{stage + 1}.{block}";
                int blockIn = block == 0 ? cin : w;
                keys.Add($"{p}.conv1.weight [{w},{blockIn},3,3] Float32");
                AddBatchNorm(keys, $"{p}.bn1", w);
                keys.Add($"{p}.conv2.weight [{w},{w},3,3] Float32");
                AddBatchNorm(keys, $"{p}.bn2", w);
                if (stage > 0 && block == 0)
                {
                    keys.Add($"{p}.downsample.0.weight [{w},{blockIn},1,1] Float32");
                    AddBatchNorm(keys, $"{p}.downsample.1", w);
                }
            }

            cin = w;
        }

        return keys;
    }

    private static void AddBatchNorm(List<string> keys, string prefix, int width)
    {
        keys.Add($"{prefix}.weight [{width}] Float32");
        keys.Add($"{prefix}.bias [{width}] Float32");
        keys.Add($"{prefix}.running_mean [{width}] Float32");
        keys.Add($"{prefix}.running_var [{width}] Float32");
        keys.Add($"{prefix}.num_batches_tracked [] Int64");
    }

    private static List<string> Entries(ResNet18 network) =>
        network.state_dict().Select(p => $"{p.Key} [{string.Join(",", p.Value.shape)}] {p.Value.dtype}").ToList();

    [Fact]
    public void StateDict_ThreeChannels_IsTorchvisionsMinusFc()
    {
        using var network = new ResNet18();

        var entries = Entries(network);

        // 1 + 5 (stem) + 8 blocks x 12 + 3 downsamples x 6 = 120 entries; torchvision has 122 with fc.weight and fc.bias.
        entries.Should().HaveCount(120);
        entries.Should().BeEquivalentTo(TorchvisionKeysWithoutFc(3));
    }

    [Fact]
    public void StateDict_OneChannel_OnlyConv1Narrows()
    {
        using var network = new ResNet18(inChannels: 1);

        Entries(network).Should().BeEquivalentTo(TorchvisionKeysWithoutFc(1));
    }

    [Fact]
    public void Parameters_ThreeChannels_CountIsTorchvisionsMinusFc()
    {
        using var network = new ResNet18();

        long count = network.parameters().Sum(p => p.numel());

        count.Should().Be(11_689_512 - 513_000, "torchvision resnet18 has 11,689,512 parameters, 512x1000 + 1000 of them in fc");
        count.Should().Be(11_176_512);
    }

    [Fact]
    public void Parameters_OneChannel_CountDropsByTwoInputChannelsOfConv1()
    {
        using var network = new ResNet18(inChannels: 1);

        network.parameters().Sum(p => p.numel()).Should().Be(11_176_512 - (2 * 64 * 7 * 7));
    }

    [Fact]
    public void Forward_Rgb64_GivesNBy512()
    {
        using var network = new ResNet18(inChannels: 3);
        network.eval();
        using var images = TensorAssert.Images(2, 3, 64, 64);

        using var output = network.forward(images);

        output.shape.Should().Equal(2, 512);
    }

    [Fact]
    public void Forward_Gray32_GivesNBy512()
    {
        using var network = new ResNet18(inChannels: 1);
        network.eval();
        using var images = TensorAssert.Images(2, 1, 32, 32);

        using var output = network.forward(images);

        output.shape.Should().Equal(2, 512);
        output.min().item<float>().Should().BeGreaterThanOrEqualTo(0f, "the features are averages of ReLU outputs");
    }

    [Fact]
    public void Forward_ManyCallsTrainingAndEval_LiveTensorCountStaysFlat()
    {
        using var network = new ResNet18(inChannels: 1);
        using var images = TensorAssert.Images(2, 1, 16, 16);
        network.forward(images).Dispose();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 10; i++)
        {
            network.train(i % 2 == 0);
            using var output = network.forward(images);
        }

        network.eval();
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before, "every intermediate tensor is disposed");
    }

    [Fact]
    public void Constructor_Convolutions_StartFromFanOutKaimingNormal()
    {
        random.manual_seed(3);
        using var network = new ResNet18();
        var weights = network.state_dict();

        // std = sqrt(2 / fan_out) with fan_out = out_channels x 3 x 3; TorchSharp's default would be about 0.0085.
        double std = weights["layer4.1.conv2.weight"].std().item<float>();
        std.Should().BeApproximately(Math.Sqrt(2.0 / (512 * 9)), 0.0003);
        weights["layer4.1.bn2.weight"].eq(1).all().item<bool>().Should().BeTrue();
        weights["layer4.1.bn2.bias"].eq(0).all().item<bool>().Should().BeTrue();
    }

    [Theory]
    [InlineData("fc.weight")]
    [InlineData("fc.bias")]
    public void TorchvisionKeyMap_Classifier_IsSkipped(string key) => ResNet18.TorchvisionKeyMap(key).Should().BeNull();

    [Fact]
    public void TorchvisionKeyMap_EveryTorchvisionKeyButFc_MapsToAKeyOfOurs()
    {
        using var network = new ResNet18();
        var ours = network.state_dict().Keys.ToHashSet(StringComparer.Ordinal);
        var torchvision = TorchvisionKeysWithoutFc(3).Select(e => e[..e.IndexOf(' ', StringComparison.Ordinal)]);

        torchvision.Select(ResNet18.TorchvisionKeyMap).Should().BeEquivalentTo(ours);
        ResNet18.TorchvisionKeyMap("layer2.0.downsample.1.num_batches_tracked").Should().Be("layer2.0.downsample.1.num_batches_tracked");
    }

    [Fact]
    public void Stages_EveryStateDictKey_BelongsToExactlyOneStageInOrder()
    {
        var options = new ResNet18Options();
        using var network = new ResNet18();

        options.Stages.Should().Equal("conv1", "bn1", "layer1", "layer2", "layer3", "layer4");
        foreach (string key in network.state_dict().Keys)
        {
            options.Stages.Count(s => key.StartsWith(s + ".", StringComparison.Ordinal)).Should().Be(1, "key {0} must belong to one stage", key);
        }
    }

    [Fact]
    public void Options_TwoInstances_AreEqualAndNameResNet18()
    {
        var a = new ResNet18Options();
        var b = new ResNet18Options();

        a.Should().Be(b);
        a.GetHashCode().Should().Be(b.GetHashCode());
        a.Architecture.Should().Be("resnet18");
        a.ToCanonicalString().Should().BeEmpty();
    }

    [Fact]
    public void EmbedderCreate_Gray32_EmbeddingSize512()
    {
        using var embedder = EmbedderTests.CreateSeeded(new EmbedderOptions
        {
            Backbone = new ResNet18Options(),
            Preprocessing = new ImagePreprocessing { Width = 32, Height = 32 },
        });
        using var images = TensorAssert.Images(3, 1, 32, 32);

        using var embeddings = embedder.Embed(images);

        embedder.EmbeddingSize.Should().Be(512);
        embedder.Architecture.Should().Be("resnet18");
        embeddings.shape.Should().Equal(3, 512);
    }
}
