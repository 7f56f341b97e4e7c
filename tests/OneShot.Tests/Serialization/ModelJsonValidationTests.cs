using System.Text.Json.Nodes;
using OneShot.Embeddings;
using OneShot.Serialization;

namespace OneShot.Tests.Serialization;

/// <summary>Issue 12 finding 1: out-of-range <c>model.json</c> values fail with a <see cref="ModelFormatException"/> naming the field.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class ModelJsonValidationTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-model-validation");
    private readonly string _dir;

    public ModelJsonValidationTests()
    {
        _dir = Path.Combine(_root, "model");
        ModelFixtures.SaveTrained(_dir);
    }

    private string JsonPath => Path.Combine(_dir, ModelFile.MetadataFileName);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("width", 1, "preprocessing.width = 1; expected 8 to 4096 pixels.")]
    [InlineData("width", 2147483647, "preprocessing.width = 2147483647; expected 8 to 4096 pixels.")]
    [InlineData("height", 0, "preprocessing.height = 0; expected 8 to 4096 pixels.")]
    [InlineData("height", -5, "preprocessing.height = -5; expected 8 to 4096 pixels.")]
    [InlineData("height", 4097, "preprocessing.height = 4097; expected 8 to 4096 pixels.")]
    public void Load_InputSizeOutOfRange_ThrowsNamingField(string field, int value, string expected)
    {
        ModelFixtures.EditJson(_dir, root => root["preprocessing"]![field] = value);

        AssertRejected($"Model metadata '{JsonPath}' has {expected}");
    }

    [Fact]
    public void Load_Height14TooSmallForConv4_ThrowsModelFormatExceptionNotLibtorchError()
    {
        // 14 is in range, but four 2x2 poolings of 28x14 leave no pixel: the network cannot be built.
        ModelFixtures.EditJson(_dir, root => root["preprocessing"]!["height"] = 14);

        var error = AssertRejected($"Model metadata '{JsonPath}' describes a conv4 network that cannot take 28x14 grayscale inputs: *");
        error.InnerException.Should().NotBeNull();
        error.Message.Should().NotContain("\n");
    }

    [Theory]
    [InlineData("mean", "[0,0,0]", "Model metadata '*' has 3 values in preprocessing.mean for a grayscale model; expected 1 value.")]
    [InlineData("std", "[1,1,1]", "Model metadata '*' has 3 values in preprocessing.std for a grayscale model; expected 1 value.")]
    [InlineData("std", "[]", "Model metadata '*' has 0 values in preprocessing.std for a grayscale model; expected 1 value.")]
    [InlineData("std", "[1e-45]", "Model metadata '*' has preprocessing.std[0] = 1E-45; expected a finite value from 0.001 to 1000.")]
    [InlineData("std", "[0]", "*preprocessing.std[0] = 0; expected a finite value from 0.001 to 1000.")]
    [InlineData("std", "[-1]", "*preprocessing.std[0] = -1; expected a finite value from 0.001 to 1000.")]
    [InlineData("std", "[1e30]", "*preprocessing.std[0] = 1E+30; expected a finite value from 0.001 to 1000.")]
    [InlineData("mean", "[1e30]", "*preprocessing.mean[0] = 1E+30; expected a finite value from -1000 to 1000.")]
    public void Load_BadMeanOrStd_ThrowsNamingField(string field, string values, string expected)
    {
        ModelFixtures.EditJson(_dir, root => root["preprocessing"]![field] = JsonNode.Parse(values));

        AssertRejected(expected);
    }

    [Fact]
    public void Load_RgbModelWithTwoStdValues_ThrowsExpectingOneOrThree()
    {
        string rgb = Path.Combine(_root, "rgb");
        ModelFixtures.SaveTrained(rgb, ModelFixtures.SmallRgbOptions());
        string json = Path.Combine(rgb, ModelFile.MetadataFileName);
        ModelFixtures.EditJson(rgb, root => root["preprocessing"]!["std"] = new JsonArray(0.2f, 0.2f));

        var act = () => ModelFile.Load(rgb, DeviceChoice.Cpu);

        act.Should().Throw<ModelFormatException>().Where(e => e.FilePath == json)
            .WithMessage($"Model metadata '{json}' has 2 values in preprocessing.std for a rgb model; expected 1 value or 3 (one per channel).");
    }

    [Theory]
    [InlineData("color", "\"cmyk\"", "*preprocessing.color 'cmyk'; expected 'grayscale' or 'rgb'.")]
    [InlineData("embeddingSize", "0", "*embeddingSize = 0; expected a positive length.")]
    [InlineData("sha256", "\"abc\"", "*weights.sha256 'abc'; expected 64 hexadecimal digits.")]
    public void Load_OtherBadFields_ThrowNamingField(string field, string value, string expected)
    {
        ModelFixtures.EditJson(_dir, root =>
        {
            var parent = field switch
            {
                "color" => root["preprocessing"]!.AsObject(),
                "sha256" => root["weights"]!.AsObject(),
                _ => root,
            };
            parent[field] = JsonNode.Parse(value);
        });

        AssertRejected(expected);
    }

    [Fact]
    public void ReadMetadata_BadStd_ThrowsWithoutReadingWeights()
    {
        File.Delete(ModelFile.GetWeightsPath(_dir));
        ModelFixtures.EditJson(_dir, root => root["preprocessing"]!["std"] = new JsonArray(0f));

        var act = () => ModelFile.ReadMetadata(_dir);

        act.Should().Throw<ModelFormatException>().WithMessage("*preprocessing.std[0] = 0;*");
    }

    private ModelFormatException AssertRejected(string message)
    {
        var act = () => ModelFile.Load(_dir, DeviceChoice.Cpu);
        return act.Should().Throw<ModelFormatException>().Where(e => e.FilePath == JsonPath).WithMessage(message).Which;
    }
}
