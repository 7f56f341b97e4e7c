using System.Text.Json;
using System.Text.Json.Serialization;

namespace OneShot.Serialization.Onnx;

/// <summary>Source-generated System.Text.Json metadata for ONNX sidecar files.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(OnnxSidecarJson))]
internal sealed partial class OnnxSidecarJsonContext : JsonSerializerContext
{
}
