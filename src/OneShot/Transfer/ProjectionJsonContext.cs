using System.Text.Json;
using System.Text.Json.Serialization;

namespace OneShot.Transfer;

/// <summary>Source-generated System.Text.Json metadata for <c>projection.json</c>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(ProjectionJson))]
internal sealed partial class ProjectionJsonContext : JsonSerializerContext
{
}
