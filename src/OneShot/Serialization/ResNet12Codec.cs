using System.Text.Json;
using OneShot.Embeddings;

namespace OneShot.Serialization;

/// <summary>Model-file codec of <see cref="ResNet12Options"/>: <c>{ "widths": [64, 160, 320, 640] }</c>.</summary>
internal sealed class ResNet12Codec : IBackboneCodec
{
    /// <inheritdoc />
    public string Architecture => ResNet12.ArchitectureName;

    /// <inheritdoc />
    public JsonElement Write(BackboneOptions options)
    {
        var resnet = (ResNet12Options)options;
        return JsonSerializer.SerializeToElement(new ResNet12BackboneJson { Widths = [.. resnet.Widths] }, ModelJsonContext.Default.ResNet12BackboneJson);
    }

    /// <inheritdoc />
    public BackboneOptions Read(JsonElement backbone)
    {
        var json = backbone.Deserialize(ModelJsonContext.Default.ResNet12BackboneJson)
            ?? throw new JsonException("The resnet12 backbone is null; expected an object with \"widths\".");
        return new ResNet12Options { Widths = json.Widths };
    }
}
