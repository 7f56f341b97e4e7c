using System.Text.Json.Nodes;

namespace OneShot.Classification;

/// <summary>
/// Writes and reads the method-specific settings of one <see cref="ClassifierOptions"/> type as JSON, so gallery files
/// can store the classifier. Register an implementation with <see cref="ClassifierRegistry.Register"/>.
/// </summary>
/// <remarks>
/// The settings every classifier shares (<see cref="ClassifierOptions.Metric"/>, <see cref="ClassifierOptions.Temperature"/>,
/// <see cref="ClassifierOptions.TopK"/>, <see cref="ClassifierOptions.UnknownThreshold"/>) are written and restored by
/// <see cref="ClassifierRegistry"/>; a codec handles only what its options type adds.
/// </remarks>
public interface IClassifierCodec
{
    /// <summary>The type name stored in the JSON (for example <c>prototype</c>); unique among registered codecs.</summary>
    string Name { get; }

    /// <summary>The options type this codec writes and reads (exactly this type, not derived ones).</summary>
    Type OptionsType { get; }

    /// <summary>Adds the settings of <paramref name="options"/> (an instance of <see cref="OptionsType"/>) to <paramref name="json"/>.</summary>
    void Write(ClassifierOptions options, JsonObject json);

    /// <summary>Reads options from <paramref name="json"/>, as written by <see cref="Write"/>; the shared settings are applied afterwards.</summary>
    /// <exception cref="System.Text.Json.JsonException">A value is missing or has the wrong type.</exception>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    ClassifierOptions Read(JsonObject json);
}
