using System.Text.Json;
using OneShot.Embeddings;

namespace OneShot.Serialization;

/// <summary>Model-file codec of <see cref="Conv4Options"/>: <c>{ "widths": [64, 64, 64, 64] }</c>.</summary>
internal sealed class Conv4Codec : IBackboneCodec
{
    /// <inheritdoc />
    public string Architecture => Conv4.ArchitectureName;

    /// <inheritdoc />
    public JsonElement Write(BackboneOptions options)
    {
        var conv4 = (Conv4Options)options;
        return JsonSerializer.SerializeToElement(new Conv4BackboneJson { Widths = [.. conv4.Widths] }, ModelJsonContext.Default.Conv4BackboneJson);
    }

    /// <inheritdoc />
    public BackboneOptions Read(JsonElement backbone)
    {
        var json = backbone.Deserialize(ModelJsonContext.Default.Conv4BackboneJson)
            ?? throw new JsonException("The conv4 backbone is null; expected an object with \"widths\".");
        return new Conv4Options { Widths = json.Widths };
    }
}
