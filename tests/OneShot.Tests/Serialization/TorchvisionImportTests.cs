using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using static TorchSharp.torch;

namespace OneShot.Tests.Serialization;

/// <summary>A torchvision resnet18 state dict (with its ImageNet fc layer) loads into our ResNet18 under its own names.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class TorchvisionImportTests : IDisposable
{
    private static readonly EmbedderOptions Rgb18 = new()
    {
        Backbone = new ResNet18Options(),
        Preprocessing = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 32, Height = 32 },
        Device = DeviceChoice.Cpu,
    };

    private readonly string _root = TestPaths.NewTempFolder("oneshot-torchvision");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Load_TorchvisionStyleSafetensorsWithFc_SkipsFcWithTheKeyMapAndEmbedsIdentically()
    {
        manual_seed(11);
        using var source = Embedder.Create(Rgb18);
        manual_seed(12);
        using var target = Embedder.Create(Rgb18);
        using var fcWeight = randn(1000, 512);
        using var fcBias = randn(1000);
        var file = new SafetensorsTestFile().AddStateDict(source.Network.state_dict()).Add("fc.weight", fcWeight).Add("fc.bias", fcBias);
        string path = Path.Combine(_root, "resnet18.safetensors");
        File.WriteAllBytes(path, file.ToBytes());

        var strict = () => PretrainedWeights.Load(target, path);
        strict.Should().Throw<StateDictMismatchException>().Which.UnexpectedKeys.Should().Equal("fc.weight", "fc.bias");

        var report = PretrainedWeights.Load(target, path, new PretrainedWeightsOptions { NameMap = ResNet18.TorchvisionKeyMap });

        report.SkippedKeys.Should().BeEquivalentTo("fc.weight", "fc.bias");
        report.LoadedKeys.Should().HaveCount(120).And.Contain("layer4.1.bn2.running_var").And.Contain("layer2.0.downsample.0.weight");
        using var images = rand(2, 3, 32, 32, generator: new Generator(5));
        using var expected = source.Embed(images);
        using var actual = target.Embed(images);
        actual.shape.Should().Equal(2, 512);
        actual.data<float>().ToArray().Should().Equal(expected.data<float>().ToArray(), "every tensor was copied bit for bit");
    }
}
