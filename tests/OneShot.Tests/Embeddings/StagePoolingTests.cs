using System.Text.Json;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Tests.Serialization;
using OneShot.Transfer;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>ResNet-18 embeddings pooled from stage outputs on a grid: sizes, values, the model file, and the refusals.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class StagePoolingTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-stage-pooling");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static EmbedderOptions Rgb64(string? pooling) => new()
    {
        Backbone = pooling is null ? new ResNet18Options() : new ResNet18Options { Pooling = StagePooling.ParseList(pooling) },
        Preprocessing = new ImagePreprocessing { Color = ColorMode.Rgb, Width = 64, Height = 64 },
        Device = DeviceChoice.Cpu,
    };

    [Fact]
    public void ParseList_TwoStages_ReadsStagesAndGridsAndFormatsBack()
    {
        var pooling = StagePooling.ParseList("layer3:3, layer4:2");

        pooling.Select(p => (p.Stage, p.Grid)).Should().Equal((3, 3), (4, 2));
        StagePooling.FormatList(pooling).Should().Be("layer3:3,layer4:2");
    }

    [Theory]
    [InlineData("layer5:1", "'layer5:1': Expected a ResNet-18 stage from 1 (layer1) to 4 (layer4).*")]
    [InlineData("layer3:0", "'layer3:0': Expected a grid of 1 to 8 cells per side.*")]
    [InlineData("layer3:9", "'layer3:9': Expected a grid of 1 to 8 cells per side.*")]
    [InlineData("layer4:2,layer3:1", "Pooled stages must be distinct and in increasing order; got layer4:2,layer3:1.*")]
    [InlineData("layer3:2,layer3:4", "Pooled stages must be distinct and in increasing order; got layer3:2,layer3:4.*")]
    [InlineData("stage3=4", "'stage3=4' is not a stage pooling; expected layerS:G such as layer3:4*")]
    [InlineData("", "'' is not a stage pooling*")]
    public void ParseList_Invalid_ThrowsFormatExceptionNamingTheEntry(string text, string message)
    {
        var act = () => StagePooling.ParseList(text);

        act.Should().Throw<FormatException>().WithMessage(message);
    }

    [Fact]
    public void Embed_Layer3Grid2_IsLayer3AveragedOnTwoByTwoCells()
    {
        using var embedder = EmbedderTests.CreateSeeded(Rgb64("layer3:2"));
        EmbedderFoldingTests.Randomize(embedder.Network, seed: 3);
        using var images = TensorAssert.Images(3, 3, 64, 64, seed: 5);

        using var actual = embedder.Embed(images);

        // By hand: the network's own modules up to layer3 (a 4x4 map at 64 pixels), each 2x2 quarter averaged.
        var modules = embedder.Network.named_children().ToDictionary(c => c.name, c => (nn.Module<Tensor, Tensor>)c.module);
        using var scope = NewDisposeScope();
        using var noGrad = inference_mode();
        var x = modules["maxpool"].forward(modules["relu"].forward(modules["bn1"].forward(modules["conv1"].forward(images))));
        var map = modules["layer3"].forward(modules["layer2"].forward(modules["layer1"].forward(x)));
        map.shape.Should().Equal(3, 256, 4, 4);
        var expected = map.reshape(3, 256, 2, 2, 2, 2).mean([3, 5]).flatten(1);

        embedder.EmbeddingSize.Should().Be(1024);
        actual.shape.Should().Equal(3, 1024);
        EmbedderFoldingTests.MaxAbsDifference(actual, expected).Should().BeLessThan(1e-4);
        expected.abs().max().item<float>().Should().BeGreaterThan(1e-2f);
    }

    [Fact]
    public void Embed_TwoStages_IsEachPartAtUnitNormConcatenated()
    {
        using var plain = EmbedderTests.CreateSeeded(Rgb64(null));
        EmbedderFoldingTests.Randomize(plain.Network, seed: 3);
        using var layer3 = PretrainedModels.WithPooling(plain, StagePooling.ParseList("layer3:1"));
        using var both = PretrainedModels.WithPooling(plain, StagePooling.ParseList("layer3:1,layer4:1"));
        using var images = TensorAssert.Images(4, 3, 64, 64, seed: 8);

        using var expected = cat([nn.functional.normalize(layer3.Embed(images), dim: 1), nn.functional.normalize(plain.Embed(images), dim: 1)], 1);
        using var actual = both.Embed(images);

        both.EmbeddingSize.Should().Be(256 + 512);
        EmbedderFoldingTests.MaxAbsDifference(actual, expected).Should().BeLessThan(1e-5);
        both.Options.Preprocessing.Should().Be(plain.Options.Preprocessing);
    }

    [Fact]
    public void SaveLoad_Pooled_KeepsPoolingInModelJsonAndEmbeddings()
    {
        string dir = Path.Combine(_root, "model");
        using var original = ModelFixtures.CreateTrained(Rgb64("layer3:3,layer4:2"));
        using var images = TensorAssert.Images(2, 3, 64, 64, seed: 99);
        using var expected = original.Embed(images);

        ModelFile.Save(original, dir);
        using var loaded = ModelFile.Load(dir, DeviceChoice.Cpu);
        using var actual = loaded.Embed(images);

        TensorAssert.BitIdentical(actual, expected);
        loaded.Options.Should().Be(original.Options);
        loaded.Options.Backbone.ToCanonicalString().Should().Be("pool=layer3:3,layer4:2");
        loaded.EmbeddingSize.Should().Be((256 * 9) + (512 * 4));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, ModelFile.MetadataFileName)));
        json.RootElement.GetProperty("backbone").GetProperty("pooling").GetString().Should().Be("layer3:3,layer4:2");
        loaded.Options.Should().NotBe(original.Options with { Backbone = new ResNet18Options() }, "the pooling is part of the options' identity");
    }

    [Fact]
    public void Load_InvalidPoolingInModelJson_ThrowsNamingTheFile()
    {
        string dir = Path.Combine(_root, "model");
        ModelFixtures.SaveTrained(dir, Rgb64(null));
        string jsonPath = Path.Combine(dir, ModelFile.MetadataFileName);
        ModelFixtures.EditJson(dir, root => root["backbone"]!["pooling"] = "layer4:1,layer2:2");

        var act = () => ModelFile.Load(dir, DeviceChoice.Cpu);

        act.Should().Throw<ModelFormatException>()
            .Where(e => e.FilePath == jsonPath)
            .WithMessage("*invalid resnet18 options*\"pooling\" is invalid: Pooled stages must be distinct and in increasing order; got layer4:1,layer2:2*");
    }

    [Fact]
    public void TunedTail_TwoPooledStages_RefusesWithTheReason()
    {
        using var embedder = EmbedderTests.CreateSeeded(Rgb64("layer3:4,layer4:1"));
        using var images = TensorAssert.Images(1, 3, 64, 64);

        var act = () => TunedTailTrainer.HeadFeatures(embedder, images, tailBlocks: 1);

        act.Should().Throw<InvalidOperationException>().WithMessage("Tuning the last blocks needs one pooled stage (such as layer4:1 or layer3:4); this network pools layer3:4,layer4:1.*");
    }
}
