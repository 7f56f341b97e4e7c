using System.Text.Json;
using OneShot.Embeddings;

namespace OneShot.Serialization;

/// <summary>Model-file codec of <see cref="ResNet18Options"/>: an empty object <c>{}</c>, as the architecture has no options.</summary>
internal sealed class ResNet18Codec : IBackboneCodec
{
    /// <inheritdoc />
    public string Architecture => ResNet18.ArchitectureName;

    /// <inheritdoc />
    public JsonElement Write(BackboneOptions options)
    {
        _ = (ResNet18Options)options;
        return JsonSerializer.SerializeToElement(new ResNet18BackboneJson(), ModelJsonContext.Default.ResNet18BackboneJson);
    }

    /// <inheritdoc />
    public BackboneOptions Read(JsonElement backbone)
    {
        _ = backbone.Deserialize(ModelJsonContext.Default.ResNet18BackboneJson)
            ?? throw new JsonException("The resnet18 backbone is null; expected an object (empty: ResNet-18 has no options).");
        return new ResNet18Options();
    }
}
