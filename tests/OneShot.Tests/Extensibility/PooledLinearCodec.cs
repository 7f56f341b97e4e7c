using System.Text.Json;
using OneShot.Embeddings;
using OneShot.Serialization;

namespace OneShot.Tests.Extensibility;

/// <summary>Stores the outside backbone's options in <c>model.json</c>.</summary>
public sealed class PooledLinearCodec : IBackboneCodec
{
    public string Architecture => PooledLinearOptions.Name;

    public JsonElement Write(BackboneOptions options) =>
        JsonDocument.Parse($"{{\"dimension\": {((PooledLinearOptions)options).Dimension}}}").RootElement.Clone();

    public BackboneOptions Read(JsonElement backbone) => new PooledLinearOptions { Dimension = backbone.GetProperty("dimension").GetInt32() };
}
