using System.Text.Json;
using System.Text.Json.Nodes;
using OneShot.Embeddings;
using OneShot.Serialization;
using static TorchSharp.torch;

namespace OneShot.Tests.Serialization;

[Collection(TorchGlobalState.Name)]
public sealed class ModelFileErrorTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-model-errors");
    private readonly string _dir;

    public ModelFileErrorTests()
    {
        _dir = Path.Combine(_root, "model");
        ModelFixtures.SaveTrained(_dir);
    }

    private string JsonPath => Path.Combine(_dir, ModelFile.MetadataFileName);

    private string WeightsPath => ModelFile.GetWeightsPath(_dir);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Load_WeightsOfOtherWidths_ListsEveryShapeMismatch()
    {
        string other = Path.Combine(_root, "other");
        ModelFixtures.SaveTrained(other, new EmbedderOptions { Backbone = new Conv4Options { Widths = [64, 64, 64, 32] } });
        ModelFixtures.ReplaceWeights(_dir, ModelFixtures.ReadWeights(other));

        var error = Load().Should().Throw<StateDictMismatchException>().Which;

        error.FilePath.Should().Be(WeightsPath);
        error.MissingKeys.Should().BeEmpty();
        error.UnexpectedKeys.Should().BeEmpty();
        error.DtypeMismatches.Should().BeEmpty();
        error.ShapeMismatches.Should().Equal(
            "encoder.3.0.weight: expected [64, 64, 3, 3] got [32, 64, 3, 3]",
            "encoder.3.0.bias: expected [64] got [32]",
            "encoder.3.1.weight: expected [64] got [32]",
            "encoder.3.1.bias: expected [64] got [32]",
            "encoder.3.1.running_mean: expected [64] got [32]",
            "encoder.3.1.running_var: expected [64] got [32]");
        error.Message.Should().Contain($"Weights file '{WeightsPath}' does not fit the Conv4 network:")
            .And.Contain("shape mismatches (6):")
            .And.Contain("encoder.3.0.weight: expected [64, 64, 3, 3] got [32, 64, 3, 3]");
    }

    [Fact]
    public void Load_DroppedRenamedAndExtraKeys_ListsMissingAndUnexpected()
    {
        var sd = new Dictionary<string, Tensor>();
        using (var source = ModelFixtures.CreateTrained())
        using (var scope = NewDisposeScope())
        {
            var entries = source.Network.state_dict()
                .Where(p => p.Key != "encoder.0.0.bias")
                .Select(p => p.Key == "encoder.1.1.weight" ? KeyValuePair.Create("encoder.1.bn.weight", p.Value) : p)
                .Append(KeyValuePair.Create("fc.weight", zeros(5, 64)))
                .ToList();
            ModelFixtures.ReplaceWeights(_dir, StateDictWriter.ToBytes(entries));
        }

        var error = Load().Should().Throw<StateDictMismatchException>().Which;

        error.MissingKeys.Should().Equal("encoder.0.0.bias", "encoder.1.1.weight");
        error.UnexpectedKeys.Should().Equal("encoder.1.bn.weight", "fc.weight");
        error.ShapeMismatches.Should().BeEmpty();
        error.Message.Should().Contain("missing keys (2):").And.Contain("    encoder.0.0.bias")
            .And.Contain("unexpected keys (2):").And.Contain("    fc.weight");
    }

    [Fact]
    public void Load_Float64Weight_ListsDtypeMismatch()
    {
        using (var source = ModelFixtures.CreateTrained())
        using (var scope = NewDisposeScope())
        {
            var entries = source.Network.state_dict()
                .Select(p => p.Key == "encoder.0.0.weight" ? KeyValuePair.Create(p.Key, p.Value.to(ScalarType.Float64)) : p)
                .ToList();
            ModelFixtures.ReplaceWeights(_dir, StateDictWriter.ToBytes(entries));
        }

        var error = Load().Should().Throw<StateDictMismatchException>().Which;

        error.DtypeMismatches.Should().Equal("encoder.0.0.weight: expected Float32 got Float64");
        error.Message.Should().Contain("dtype mismatches (1):");
    }

    [Fact]
    public void Load_OneWeightByteFlipped_ThrowsHashMismatchNamingWeights()
    {
        byte[] weights = ModelFixtures.ReadWeights(_dir);
        weights[^3] ^= 0x01;
        File.WriteAllBytes(WeightsPath, weights);

        Load().Should().Throw<ModelFormatException>()
            .Where(e => e.FilePath == WeightsPath)
            .WithMessage($"Weights file '{WeightsPath}' has {weights.Length} bytes with SHA-256 *, but model.json records {weights.Length} bytes*changed*");
    }

    [Fact]
    public void Load_TruncatedWeightsWithMatchingHash_ThrowsTruncated()
    {
        byte[] weights = ModelFixtures.ReadWeights(_dir);
        ModelFixtures.ReplaceWeights(_dir, weights[..(weights.Length / 2)]);

        Load().Should().Throw<ModelFormatException>()
            .Where(e => e.FilePath == WeightsPath)
            .WithMessage($"Weights file '{WeightsPath}' is truncated*");
    }

    [Fact]
    public void Load_BadJson_ThrowsNamingModelJson()
    {
        File.WriteAllText(JsonPath, "{ \"formatVersion\": 1, ");

        Load().Should().Throw<ModelFormatException>()
            .Where(e => e.FilePath == JsonPath && e.InnerException is JsonException)
            .WithMessage($"Model metadata '{JsonPath}' is not valid*");
    }

    [Fact]
    public void Load_MissingRequiredProperty_ThrowsNamingProperty()
    {
        ModelFixtures.EditJson(_dir, root => root.Remove("preprocessing"));

        Load().Should().Throw<ModelFormatException>()
            .Where(e => e.FilePath == JsonPath)
            .WithMessage("*is not valid*preprocessing*");
    }

    [Fact]
    public void Load_UnknownArchitecture_ThrowsListingKnownOnes()
    {
        ModelFixtures.EditJson(_dir, root => root["architecture"] = "resnet99");

        Load().Should().Throw<ModelFormatException>()
            .Where(e => e.FilePath == JsonPath)
            .WithMessage($"Model metadata '{JsonPath}' names the unknown architecture 'resnet99'; this OneShot ({ModelFileWriter.LibraryVersion}) knows: conv4, resnet12, resnet18*", "tests may register outside backbones (Extensibility)");
    }

    [Fact]
    public void Load_NewerFormatVersion_ThrowsAskingForUpdate()
    {
        ModelFixtures.EditJson(_dir, root =>
        {
            root["formatVersion"] = 2;
            root["weights"] = new JsonArray();
        });

        Load().Should().Throw<ModelFormatException>()
            .Where(e => e.FilePath == JsonPath)
            .WithMessage($"*has format version 2; this OneShot ({ModelFileWriter.LibraryVersion}) reads versions 1 to 1. Update OneShot to load it.");
    }

    [Fact]
    public void Load_InvalidConv4Widths_ThrowsNamingOptions()
    {
        ModelFixtures.EditJson(_dir, root => root["backbone"] = new JsonObject { ["widths"] = new JsonArray(64, 64, 64) });

        Load().Should().Throw<ModelFormatException>()
            .Where(e => e.FilePath == JsonPath && e.InnerException is ArgumentException)
            .WithMessage("*holds invalid conv4 options: Widths must hold four positive channel counts; got [64, 64, 64]*");
    }

    [Fact]
    public void Load_WeightsFileOutsideDirectory_IsRejected()
    {
        ModelFixtures.EditJson(_dir, root => root["weights"]!["file"] = "../weights.bin");

        Load().Should().Throw<ModelFormatException>().WithMessage("*names the weights file '../weights.bin'; expected a plain file name*");
    }

    [Theory]
    [InlineData("model.json")]
    [InlineData("weights")]
    public void Load_MissingFile_ThrowsNamingIt(string which)
    {
        string file = which == "weights" ? Path.GetFileName(WeightsPath) : which;
        File.Delete(Path.Combine(_dir, file));

        Load().Should().Throw<ModelFormatException>()
            .Where(e => e.FilePath == Path.Combine(_dir, file) && e.InnerException is FileNotFoundException)
            .WithMessage($"*'{Path.Combine(_dir, file)}' was not found*");
    }

    [Fact]
    public void Load_MissingDirectory_ThrowsNamingIt()
    {
        string missing = Path.Combine(_root, "nowhere");

        var act = () => ModelFile.Load(missing, DeviceChoice.Cpu);

        act.Should().Throw<ModelFormatException>().Where(e => e.FilePath == missing).WithMessage($"Model directory '{missing}' does not exist*");
    }

    private Func<Embedder> Load() => () => ModelFile.Load(_dir, DeviceChoice.Cpu);
}
