using System.Text.Json.Nodes;
using OneShot.Classification;

namespace OneShot.Tests.Extensibility;

/// <summary>Stores the outside method in gallery files.</summary>
public sealed class ChebyshevPrototypeCodec : IClassifierCodec
{
    public string Name => "test-chebyshev-prototype";

    public Type OptionsType => typeof(ChebyshevPrototypeOptions);

    public void Write(ClassifierOptions options, JsonObject json) => json["scale"] = ((ChebyshevPrototypeOptions)options).Scale;

    public ClassifierOptions Read(JsonObject json) => new ChebyshevPrototypeOptions { Scale = ClassifierRegistry.Required(json, "scale").GetValue<double>() };
}
