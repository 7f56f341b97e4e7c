using System.Text.Json.Nodes;
using OneShot.Verification;
using OneShot.Classification;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Tests.Embeddings;
using OneShot.Tests.Training;

namespace OneShot.Tests.Serialization;

[Collection(TorchGlobalState.Name)]
public sealed class SiameseModelFileTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-siamese");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void SaveLoad_KochModel_HeadThresholdAndVerifyBitExact()
    {
        string dir = Path.Combine(_root, "model");
        float[] weights = [.. Enumerable.Range(0, 8).Select(i => (i - 3.5f) / 3f)];
        var calibration = new ThresholdCalibrationResult(0.1234567890123457, 0.1, 0.2, ThresholdCalibrationMethod.EqualErrorRate);
        using var originalEmbedder = SyntheticClasses.TinyConv4(seed: 4);
        using var original = new SiameseModel(originalEmbedder, SiameseHead.Koch(weights, 1f / 7), calibration);
        using var images = TensorAssert.Images(2, 1, 28, 28, seed: 5);
        var expected = original.Verify(images[0], images[1]);

        original.Save(dir);
        using var loaded = SiameseModel.Load(dir, DeviceChoice.Cpu);

        loaded.Head.Kind.Should().Be(SiameseHeadKind.Koch);
        loaded.Head.KochWeights.Should().Equal(weights);
        loaded.Head.KochBias.Should().Be(1f / 7);
        loaded.Calibration.Should().Be(calibration);
        loaded.Verify(images[0], images[1]).Should().Be(expected);
        loaded.Embedder.GetFingerprint().Should().Be(original.Embedder.GetFingerprint());
    }

    [Fact]
    public void SaveLoad_ContrastiveModelWithDefaultThreshold_RoundTripsMarginAndUnknownRates()
    {
        string dir = Path.Combine(_root, "model");
        using var originalEmbedder = SyntheticClasses.TinyConv4(seed: 4);
        using var original = new SiameseModel(originalEmbedder, SiameseHead.Contrastive(0.75));

        original.Save(dir, description: "contrastive");
        using var loaded = SiameseModel.Load(dir, DeviceChoice.Cpu);

        loaded.Head.Kind.Should().Be(SiameseHeadKind.Contrastive);
        loaded.Head.Margin.Should().Be(0.75);
        loaded.Threshold.Should().Be(-0.375);
        loaded.Calibration.Method.Should().Be(ThresholdCalibrationMethod.Default);
        loaded.Calibration.FalseAcceptRate.Should().Be(double.NaN);
    }

    [Fact]
    public void ModelFileLoad_SiameseDirectory_ReturnsItsEmbedderAndMetadataNamesHead()
    {
        string dir = Path.Combine(_root, "model");
        using (var modelEmbedder = SyntheticClasses.TinyConv4(seed: 4))
        using (var model = new SiameseModel(modelEmbedder, SiameseHead.Koch(new float[8], 0)))
        {
            model.Save(dir);
        }

        using var embedder = ModelFile.Load(dir, DeviceChoice.Cpu);
        using var reference = SyntheticClasses.TinyConv4(seed: 4);

        embedder.GetFingerprint().Should().Be(reference.GetFingerprint());
        ModelFile.ReadMetadata(dir).SiameseHead.Should().Be(SiameseHeadKind.Koch);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, ModelFile.MetadataFileName)))!;
        json["siamese"]!["head"]!.GetValue<string>().Should().Be("koch");
        json["siamese"]!["kochWeights"]!.AsArray().Should().HaveCount(8);
        Directory.GetFiles(dir).Select(Path.GetFileName).Should().HaveCount(2, "model.json and one weights file");
    }

    [Fact]
    public void Load_PlainModelDirectory_ThrowsSayingThereIsNoSiameseSection()
    {
        string dir = Path.Combine(_root, "plain");
        using (var embedder = SyntheticClasses.TinyConv4())
        {
            ModelFile.Save(embedder, dir);
        }

        ModelFile.ReadMetadata(dir).SiameseHead.Should().BeNull();
        var act = () => SiameseModel.Load(dir, DeviceChoice.Cpu);

        act.Should().Throw<ModelFormatException>()
            .WithMessage($"Model metadata '{Path.Combine(dir, "model.json")}' has no siamese section*expected a model saved by SiameseModel.Save.")
            .Which.FilePath.Should().Be(Path.Combine(dir, "model.json"));
    }

    [Fact]
    public void Load_KochWeightsOfWrongLength_ThrowsModelFormatException()
    {
        string dir = Path.Combine(_root, "model");
        using (var modelEmbedder = SyntheticClasses.TinyConv4(seed: 4))
        using (var model = new SiameseModel(modelEmbedder, SiameseHead.Koch(new float[8], 0)))
        {
            model.Save(dir);
        }

        ModelFixtures.EditJson(dir, json => json["siamese"]!["kochWeights"] = new JsonArray(1f, 2f));
        var act = () => SiameseModel.Load(dir, DeviceChoice.Cpu);

        act.Should().Throw<ModelFormatException>()
            .WithMessage("*invalid siamese section: The Koch head has 2 weights but the embeddings have 8 values*");
    }
}
