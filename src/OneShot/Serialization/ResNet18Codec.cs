using System.Text.Json;
using OneShot.Embeddings;

namespace OneShot.Serialization;

/// <summary>Model-file codec of <see cref="ResNet18Options"/>: an empty object <c>{}</c> for ResNet-18's standard depths and pooling, else <c>{"blocks": [2,2,2,3]}</c> and/or <c>{"pooling": "layer3:4"}</c>.</summary>
internal sealed class ResNet18Codec : IBackboneCodec
{
    /// <inheritdoc />
    public string Architecture => ResNet18.ArchitectureName;

    /// <inheritdoc />
    public JsonElement Write(BackboneOptions options)
    {
        var resnet = (ResNet18Options)options;
        int[]? blocks = resnet.BlocksPerStage.SequenceEqual(ResNet18Options.StandardBlocks) ? null : [.. resnet.BlocksPerStage];
        string? pooling = resnet.HasDefaultPooling ? null : StagePooling.FormatList(resnet.Pooling);
        return JsonSerializer.SerializeToElement(new ResNet18BackboneJson { Blocks = blocks, Pooling = pooling }, ModelJsonContext.Default.ResNet18BackboneJson);
    }

    /// <inheritdoc />
    public BackboneOptions Read(JsonElement backbone)
    {
        var json = backbone.Deserialize(ModelJsonContext.Default.ResNet18BackboneJson)
            ?? throw new JsonException("The resnet18 backbone is null; expected an object (empty, or with \"blocks\").");
        var options = json.Blocks is null ? new ResNet18Options() : new ResNet18Options { BlocksPerStage = json.Blocks };
        if (json.Pooling is null)
        {
            return options;
        }

        try
        {
            return options with { Pooling = StagePooling.ParseList(json.Pooling) };
        }
        catch (FormatException e)
        {
            throw new JsonException($"The resnet18 backbone's \"pooling\" is invalid: {e.Message}", e);
        }
    }
}
