using System.Security.Cryptography;
using System.Text.Json;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Tests.Embeddings;

namespace OneShot.Tests.Serialization;

[Collection(TorchGlobalState.Name)]
public sealed class ModelFileTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-model");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void SaveLoad_TrainedRgbModel_BitExactEmbeddingsAndEqualFingerprint()
    {
        string dir = Path.Combine(_root, "model");
        using var original = ModelFixtures.CreateTrained(ModelFixtures.SmallRgbOptions());
        using var images = TensorAssert.Images(5, 3, 32, 32, seed: 99);
        using var expected = original.Embed(images);

        ModelFile.Save(original, dir);
        using var loaded = ModelFile.Load(dir, DeviceChoice.Cpu);
        using var actual = loaded.Embed(images);

        TensorAssert.BitIdentical(actual, expected);
        loaded.GetFingerprint().Should().Be(original.GetFingerprint());
        loaded.Options.Should().Be(original.Options);
        loaded.EmbeddingSize.Should().Be(128, "32 channels x 2 x 2 after four 2x2 pools of 32x32");
        loaded.Network.state_dict()["encoder.0.1.num_batches_tracked"].item<long>().Should().Be(3);
        loaded.Network.state_dict()["encoder.0.1.running_mean"].abs().sum().item<float>().Should().BeGreaterThan(0f);
    }

    [Fact]
    public void Save_RgbModel_WritesModelJsonWithEveryField()
    {
        string dir = Path.Combine(_root, "model");
        using var embedder = ModelFixtures.CreateTrained(ModelFixtures.SmallRgbOptions());

        ModelFile.Save(embedder, dir, "glyph test model", new Dictionary<string, string> { ["episodes"] = "200", ["dataset"] = "generated" });

        string text = File.ReadAllText(Path.Combine(dir, ModelFile.MetadataFileName));
        ModelFileWriter.LibraryVersion.Should().MatchRegex(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$");
        text.Should().StartWith($"{{\n  \"formatVersion\": 1,\n  \"libraryVersion\": \"{ModelFileWriter.LibraryVersion}\",\n  \"architecture\": \"conv4\",");
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        root.GetProperty("backbone").GetProperty("widths").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(8, 16, 16, 32);
        var p = root.GetProperty("preprocessing");
        p.GetProperty("color").GetString().Should().Be("rgb");
        p.GetProperty("width").GetInt32().Should().Be(32);
        p.GetProperty("height").GetInt32().Should().Be(32);
        p.GetProperty("invert").GetBoolean().Should().BeTrue();
        p.GetProperty("mean").EnumerateArray().Select(e => e.GetSingle()).Should().Equal(0.485f, 0.456f, 0.406f);
        p.GetProperty("std").EnumerateArray().Select(e => e.GetSingle()).Should().Equal(0.229f, 0.224f, 0.225f);
        root.GetProperty("l2Normalize").GetBoolean().Should().BeTrue();
        root.GetProperty("embeddingSize").GetInt32().Should().Be(128);
        byte[] weights = ModelFixtures.ReadWeights(dir);
        var w = root.GetProperty("weights");
        w.GetProperty("file").GetString().Should().Be($"weights-{Convert.ToHexStringLower(SHA256.HashData(weights))[..16]}.bin");
        w.GetProperty("format").GetString().Should().Be("torchsharp-state-dict");
        w.GetProperty("bytes").GetInt64().Should().Be(weights.Length);
        w.GetProperty("sha256").GetString().Should().Be(Convert.ToHexStringLower(SHA256.HashData(weights)));
        root.GetProperty("description").GetString().Should().Be("glyph test model");
        root.GetProperty("trainingInfo").GetProperty("episodes").GetString().Should().Be("200");
    }

    [Fact]
    public void ReadMetadata_SavedModel_ReturnsOptionsAndNotes()
    {
        string dir = Path.Combine(_root, "model");
        using var embedder = ModelFixtures.CreateTrained(ModelFixtures.SmallRgbOptions());
        ModelFile.Save(embedder, dir, "notes", new Dictionary<string, string> { ["seed"] = "42" });

        var metadata = ModelFile.ReadMetadata(dir);

        metadata.FormatVersion.Should().Be(1);
        metadata.Options.Should().Be(embedder.Options with { Device = DeviceChoice.Auto });
        metadata.EmbeddingSize.Should().Be(128, "32 channels x 2 x 2 after four 2x2 pools of 32x32");
        metadata.WeightsSha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(ModelFixtures.ReadWeights(dir))));
        metadata.Description.Should().Be("notes");
        metadata.TrainingInfo.Should().Equal(new Dictionary<string, string> { ["seed"] = "42" });
    }

    [Fact]
    public void Save_FailureWhileWritingWeights_LeavesPreviousModelIntact()
    {
        string dir = Path.Combine(_root, "model");
        ModelFixtures.SaveTrained(dir, seed: 1);
        string oldJson = File.ReadAllText(Path.Combine(dir, ModelFile.MetadataFileName));
        byte[] oldWeights = ModelFixtures.ReadWeights(dir);
        string oldWeightsName = Path.GetFileName(ModelFile.GetWeightsPath(dir));
        using var replacement = ModelFixtures.CreateTrained(seed: 2);

        var act = () => ModelFileWriter.Save(replacement, dir, null, null, file =>
        {
            if (file.StartsWith("weights-", StringComparison.Ordinal))
            {
                throw new IOException("disk full (simulated)");
            }
        });

        act.Should().Throw<IOException>().WithMessage("disk full (simulated)");
        Directory.GetFiles(dir).Select(Path.GetFileName).Should().BeEquivalentTo(ModelFile.MetadataFileName, oldWeightsName);
        File.ReadAllText(Path.Combine(dir, ModelFile.MetadataFileName)).Should().Be(oldJson);
        ModelFixtures.ReadWeights(dir).Should().Equal(oldWeights);
        using var loaded = ModelFile.Load(dir, DeviceChoice.Cpu);
        using var old = ModelFixtures.CreateTrained(seed: 1);
        loaded.GetFingerprint().Should().Be(old.GetFingerprint());
    }

    [Fact]
    public void Load_SaveInterruptedBeforeModelJson_StillGivesThePreviousModel()
    {
        string dir = Path.Combine(_root, "model");
        ModelFixtures.SaveTrained(dir, seed: 1);
        string oldWeightsPath = ModelFile.GetWeightsPath(dir);
        using var replacement = ModelFixtures.CreateTrained(seed: 2);
        var interrupted = () => ModelFileWriter.Save(replacement, dir, null, null, file =>
        {
            if (file == ModelFile.MetadataFileName)
            {
                throw new IOException("power cut (simulated)");
            }
        });
        interrupted.Should().Throw<IOException>();

        using var loaded = ModelFile.Load(dir, DeviceChoice.Cpu);

        using var old = ModelFixtures.CreateTrained(seed: 1);
        loaded.GetFingerprint().Should().Be(old.GetFingerprint(), "model.json is the commit point and still names the old weights");
        ModelFile.GetWeightsPath(dir).Should().Be(oldWeightsPath);
    }

    [Fact]
    public void Save_OverExistingModel_LoadGivesNewModel()
    {
        string dir = Path.Combine(_root, "model");
        ModelFixtures.SaveTrained(dir, seed: 1);
        using var second = ModelFixtures.CreateTrained(seed: 2);

        ModelFile.Save(second, dir);
        using var loaded = ModelFile.Load(dir, DeviceChoice.Cpu);

        loaded.GetFingerprint().Should().Be(second.GetFingerprint());
        Directory.GetFiles(dir).Select(Path.GetFileName).Should().BeEquivalentTo(
            [ModelFile.MetadataFileName, Path.GetFileName(ModelFile.GetWeightsPath(dir))], "the first save's weights file is deleted after the commit");
    }

    [Fact]
    public void WeightsFile_SameBytesAsTorchSharpModuleSave_AndReadByModuleLoad()
    {
        string dir = Path.Combine(_root, "model");
        using var embedder = ModelFixtures.CreateTrained(ModelFixtures.SmallRgbOptions());
        ModelFile.Save(embedder, dir);
        using var torchSharpBytes = new MemoryStream();

        embedder.Network.save(torchSharpBytes);
        using var network = new Conv4(3, [8, 16, 16, 32]);
        network.load(ModelFile.GetWeightsPath(dir));

        ModelFixtures.ReadWeights(dir).Should().Equal(torchSharpBytes.ToArray());
        foreach (var (name, tensor) in embedder.Network.state_dict())
        {
            TensorAssert.BitIdentical(network.state_dict()[name], tensor);
        }
    }

    [Fact]
    public void Load_WeightsInPyTorchOrder_LoadsByName()
    {
        string dir = Path.Combine(_root, "model");
        using var embedder = ModelFixtures.CreateTrained();
        ModelFile.Save(embedder, dir);
        // PyTorch (and exportsd.py) list each module's parameters then its buffers.
        var pytorchOrder = embedder.Network.state_dict()
            .OrderBy(p => p.Key[..p.Key.LastIndexOf('.')], StringComparer.Ordinal)
            .ToList();
        pytorchOrder.Select(p => p.Key).Take(7).Should().Equal(
            "encoder.0.0.weight", "encoder.0.0.bias", "encoder.0.1.weight", "encoder.0.1.bias",
            "encoder.0.1.running_mean", "encoder.0.1.running_var", "encoder.0.1.num_batches_tracked");
        ModelFixtures.ReplaceWeights(dir, StateDictWriter.ToBytes(pytorchOrder));

        using var loaded = ModelFile.Load(dir, DeviceChoice.Cpu);

        loaded.GetFingerprint().Should().Be(embedder.GetFingerprint());
    }

    [Fact]
    public void Load_SeededRun_DoesNotChangeGlobalRandomNumbers()
    {
        string dir = Path.Combine(_root, "model");
        ModelFixtures.SaveTrained(dir);
        TorchSharp.torch.random.manual_seed(123);
        using var expected = TorchSharp.torch.rand(8);
        TorchSharp.torch.random.manual_seed(123);

        ModelFile.Load(dir, DeviceChoice.Cpu).Dispose();
        using var actual = TorchSharp.torch.rand(8);

        TensorAssert.BitIdentical(actual, expected);
    }
}
