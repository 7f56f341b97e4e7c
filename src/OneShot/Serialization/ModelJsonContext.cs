using System.Text.Json;
using System.Text.Json.Serialization;

namespace OneShot.Serialization;

/// <summary>Source-generated System.Text.Json metadata for <c>model.json</c> and a projection folder's <c>projection.json</c>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(ModelJson))]
[JsonSerializable(typeof(Conv4BackboneJson))]
[JsonSerializable(typeof(ResNet12BackboneJson))]
[JsonSerializable(typeof(ResNet18BackboneJson))]
[JsonSerializable(typeof(OneShot.Transfer.ProjectionJson))]
internal sealed partial class ModelJsonContext : JsonSerializerContext
{
}
