using System.Text.Json;
using OneShot.Embeddings;

namespace OneShot.Serialization;

/// <summary>
/// Writes and reads the <c>backbone</c> object of <c>model.json</c> for one architecture. Register an implementation
/// with <see cref="BackboneRegistry.Register"/> so that <see cref="ModelFile"/> can save and load the architecture.
/// </summary>
public interface IBackboneCodec
{
    /// <summary>The architecture name, as in <see cref="BackboneOptions.Architecture"/>.</summary>
    string Architecture { get; }

    /// <summary>The options as a JSON object.</summary>
    JsonElement Write(BackboneOptions options);

    /// <summary>Options from the JSON object; throws <see cref="JsonException"/> or <see cref="ArgumentException"/> when invalid.</summary>
    BackboneOptions Read(JsonElement backbone);
}
