using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Tests.Training;
using OneShot.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

[Collection(TorchGlobalState.Name)]
public sealed class ResNet12Tests
{
    private static List<string> Entries(ResNet12 network, string prefix) =>
        network.state_dict()
            .Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(p => $"{p.Key} [{string.Join(",", p.Value.shape)}] {p.Value.dtype}")
            .ToList();

    [Fact]
    public void StateDict_DefaultWidths_PinsSecondStageKeysAndShapes()
    {
        using var network = new ResNet12();

        var expected = new List<string>
        {
            "layer2.0.conv1.weight [160,64,3,3] Float32",
            "layer2.0.conv2.weight [160,160,3,3] Float32",
            "layer2.0.conv3.weight [160,160,3,3] Float32",
            "layer2.0.downsample.0.weight [160,64,1,1] Float32",
        };
        foreach (string bn in new[] { "bn1", "bn2", "bn3", "downsample.1" })
        {
            expected.Add($"layer2.0.{bn}.weight [160] Float32");
            expected.Add($"layer2.0.{bn}.bias [160] Float32");
            expected.Add($"layer2.0.{bn}.running_mean [160] Float32");
            expected.Add($"layer2.0.{bn}.running_var [160] Float32");
            expected.Add($"layer2.0.{bn}.num_batches_tracked [] Int64");
        }

        Entries(network, "layer2.").Should().BeEquivalentTo(expected);
        network.state_dict().Should().HaveCount(4 * 24, "each stage has 4 convolution weights and 4 batch norms of 5 entries");
        Entries(network, "layer1.0.conv1.").Should().Equal("layer1.0.conv1.weight [64,3,3,3] Float32");
        Entries(network, "layer4.0.downsample.0.").Should().Equal("layer4.0.downsample.0.weight [640,320,1,1] Float32");
    }

    [Fact]
    public void Parameters_DefaultWidthsRgb_CountMatchesRfsResNet12()
    {
        using var network = new ResNet12();

        // Per stage: 9*(in*w + 2*w*w) + in*w (shortcut) + 4 batch norms x 2w.
        long expected = 0;
        int cin = 3;
        foreach (int w in new[] { 64, 160, 320, 640 })
        {
            expected += (9L * ((cin * w) + (2 * w * w))) + (cin * w) + (8 * w);
            cin = w;
        }

        network.parameters().Sum(p => p.numel()).Should().Be(expected).And.Be(12_424_320);
    }

    [Fact]
    public void Forward_Gray28_GivesNBy640()
    {
        using var network = new ResNet12(inChannels: 1);
        network.eval();
        using var images = TensorAssert.Images(2, 1, 28, 28);

        using var output = network.forward(images);

        output.shape.Should().Equal(2, 640);
    }

    [Fact]
    public void Forward_Rgb84_GivesNBy640()
    {
        using var threads = new SingleThreadedTorch();
        using var network = new ResNet12(inChannels: 3);
        network.eval();
        using var images = TensorAssert.Images(1, 3, 84, 84);

        using var output = network.forward(images);

        output.shape.Should().Equal(1, 640);
    }

    [Fact]
    public void Forward_CustomWidths_GivesLastWidth()
    {
        using var network = new ResNet12(inChannels: 1, widths: [4, 8, 8, 12]);
        network.eval();
        using var images = TensorAssert.Images(3, 1, 28, 28);

        using var output = network.forward(images);

        output.shape.Should().Equal(3, 12);
        Entries(network, "layer3.0.conv1.").Should().Equal("layer3.0.conv1.weight [8,8,3,3] Float32");
    }

    [Fact]
    public void Forward_SixteenPixelInput_PoolsToOnePixelAndAveragesIt()
    {
        using var network = new ResNet12(inChannels: 1, widths: [4, 4, 4, 4]);
        network.eval();
        using var images = TensorAssert.Images(2, 1, 16, 16);

        using var output = network.forward(images);

        // Four 2x2 pools take 16x16 to 1x1; the last block ends with LeakyReLU, so negatives are scaled by 0.1 not zeroed.
        output.shape.Should().Equal(2, 4);
        output.isfinite().all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Forward_ManyCallsTrainingAndEval_LiveTensorCountStaysFlat()
    {
        using var network = new ResNet12(inChannels: 1, widths: [4, 4, 8, 8]);
        using var images = TensorAssert.Images(2, 1, 16, 16);
        network.forward(images).Dispose();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 20; i++)
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
        random.manual_seed(5);
        using var network = new ResNet12();

        double std = network.state_dict()["layer4.0.conv3.weight"].std().item<float>();

        std.Should().BeApproximately(Math.Sqrt(2.0 / (640 * 9)), 0.0003, "RFS uses kaiming_normal_(mode='fan_out', nonlinearity='leaky_relu') with slope 0");
    }

    [Fact]
    public void Constructor_FiveWidths_ThrowsNamingWidths()
    {
        var act = () => new ResNet12(3, [8, 8, 8, 8, 8]);

        act.Should().Throw<ArgumentException>().WithParameterName("widths").WithMessage("*four positive widths*[8, 8, 8, 8, 8]*");
    }

    [Fact]
    public void Options_ZeroWidth_ThrowsNamingWidths()
    {
        var act = () => new ResNet12Options { Widths = [8, 0, 8, 8] };

        act.Should().Throw<ArgumentException>().WithParameterName("Widths").WithMessage("*four positive channel counts*[8, 0, 8, 8]*");
    }

    [Fact]
    public void Options_EqualWidths_AreEqual_OtherWidthsDiffer()
    {
        var a = new ResNet12Options { Widths = [8, 8, 16, 16] };
        var b = new ResNet12Options { Widths = [8, 8, 16, 16] };

        a.Should().Be(b);
        a.GetHashCode().Should().Be(b.GetHashCode());
        a.Should().NotBe(new ResNet12Options());
        new ResNet12Options().Widths.Should().Equal(64, 160, 320, 640);
        a.ToCanonicalString().Should().Be("widths=8,8,16,16");
        a.Architecture.Should().Be("resnet12");
    }

    [Fact]
    public void Stages_EveryStateDictKey_BelongsToExactlyOneStage()
    {
        var options = new ResNet12Options { Widths = [4, 4, 4, 4] };
        using var network = new ResNet12(1, options.Widths);

        options.Stages.Should().Equal("layer1", "layer2", "layer3", "layer4");
        foreach (string key in network.state_dict().Keys)
        {
            options.Stages.Count(s => key.StartsWith(s + ".", StringComparison.Ordinal)).Should().Be(1, "key {0} must belong to one stage", key);
        }
    }

    [Fact]
    public void EmbedderCreate_SmallWidthsGray28_EmbedsToLastWidth()
    {
        using var embedder = EmbedderTests.CreateSeeded(new EmbedderOptions { Backbone = new ResNet12Options { Widths = [8, 8, 16, 16] } });
        using var images = TensorAssert.Images(3, 1, 28, 28);

        using var embeddings = embedder.Embed(images);

        embedder.EmbeddingSize.Should().Be(16);
        embedder.Architecture.Should().Be("resnet12");
        embeddings.shape.Should().Equal(3, 16);
    }

    [Fact]
    public void PrototypicalTrainer_SmallResNet12_LossFallsAndWeightsChange()
    {
        using var threads = new SingleThreadedTorch();
        using var data = SyntheticClasses.NoisyPrototypes(classes: 10, perClass: 20, noise: 0.5);
        using var embedder = EmbedderTests.CreateSeeded(new EmbedderOptions
        {
            Backbone = new ResNet12Options { Widths = [8, 8, 16, 16] },
            Preprocessing = new ImagePreprocessing { Width = 28, Height = 28 },
        });
        var before = SyntheticClasses.Weights(embedder);
        var progress = new RecordingProgress<TrainingProgress>();
        var options = new PrototypicalTrainerOptions { Way = 5, Shot = 1, Query = 5, Episodes = 30, LearningRate = 5e-3, Seed = 1 };

        new PrototypicalTrainer(options).Train(embedder, data, progress: progress);

        var losses = progress.Reports.Select(r => r.Loss).ToList();
        losses.Should().HaveCount(30).And.OnlyContain(l => double.IsFinite(l));
        losses.TakeLast(10).Average().Should().BeLessThan(losses.Take(10).Average() * 0.8, "the first ten episodes average about 8.2 and the last ten about 3.0");
        var after = SyntheticClasses.Weights(embedder);
        after["layer1.0.conv1.weight"].Should().NotEqual(before["layer1.0.conv1.weight"]);
        after["layer4.0.bn3.weight"].Should().NotEqual(before["layer4.0.bn3.weight"]);
    }
}
