using System.Text.Json.Nodes;
using OneShot.Classification;

namespace OneShot.Verification;

/// <summary>JSON of <see cref="SiameseClassifierOptions"/>: <c>{"head": "contrastive", "margin": 1}</c> or <c>{"head": "koch", "kochWeights": [...], "kochBias": b}</c>.</summary>
internal sealed class SiameseClassifierCodec : IClassifierCodec
{
    public string Name => "siamese";

    public Type OptionsType => typeof(SiameseClassifierOptions);

    public void Write(ClassifierOptions options, JsonObject json)
    {
        var head = ((SiameseClassifierOptions)options).Head;
        if (head.Kind == SiameseHeadKind.Koch)
        {
            json["head"] = "koch";
            json["kochWeights"] = new JsonArray([.. head.KochWeights.Select(w => (JsonNode)w)]);
            json["kochBias"] = head.KochBias;
        }
        else
        {
            json["head"] = "contrastive";
            json["margin"] = head.Margin;
        }
    }

    public ClassifierOptions Read(JsonObject json)
    {
        string kind = ClassifierRegistry.Required(json, "head").GetValue<string>();
        var head = kind switch
        {
            "contrastive" => SiameseHead.Contrastive(ClassifierRegistry.Required(json, "margin").GetValue<double>()),
            "koch" => SiameseHead.Koch(
                [.. ((JsonArray)ClassifierRegistry.Required(json, "kochWeights")).Select(w => w!.GetValue<float>())],
                ClassifierRegistry.Required(json, "kochBias").GetValue<float>()),
            _ => throw new ArgumentException($"The Siamese head is '{kind}'; expected 'contrastive' or 'koch'."),
        };
        return new SiameseClassifierOptions { Head = head };
    }
}
