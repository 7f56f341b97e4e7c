using System.Text.Json.Nodes;

namespace OneShot.Classification;

/// <summary>JSON of <see cref="PrototypeClassifierOptions"/>: <c>{"transform": "none", "centeringMean": [...] | null}</c>.</summary>
internal sealed class PrototypeClassifierCodec : IClassifierCodec
{
    public string Name => "prototype";

    public Type OptionsType => typeof(PrototypeClassifierOptions);

    public void Write(ClassifierOptions options, JsonObject json)
    {
        var o = (PrototypeClassifierOptions)options;
        json["transform"] = o.Transform.ToString();
        json["centeringMean"] = o.CenteringMean is null ? null : new JsonArray([.. o.CenteringMean.Select(v => (JsonNode)v)]);
    }

    public ClassifierOptions Read(JsonObject json) => new PrototypeClassifierOptions
    {
        Transform = Enum.Parse<FeatureTransform>(ClassifierRegistry.Required(json, "transform").GetValue<string>()),
        CenteringMean = json["centeringMean"] is JsonArray mean ? [.. mean.Select(v => v!.GetValue<float>())] : null,
    };
}
