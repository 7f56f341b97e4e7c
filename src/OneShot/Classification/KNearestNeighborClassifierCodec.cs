using System.Text.Json.Nodes;

namespace OneShot.Classification;

/// <summary>JSON of <see cref="KNearestNeighborOptions"/>: <c>{"k": 3, "weighting": "Distance"}</c>.</summary>
internal sealed class KNearestNeighborClassifierCodec : IClassifierCodec
{
    public string Name => "knn";

    public Type OptionsType => typeof(KNearestNeighborOptions);

    public void Write(ClassifierOptions options, JsonObject json)
    {
        var o = (KNearestNeighborOptions)options;
        json["k"] = o.K;
        json["weighting"] = o.Weighting.ToString();
    }

    public ClassifierOptions Read(JsonObject json) => new KNearestNeighborOptions
    {
        K = ClassifierRegistry.Required(json, "k").GetValue<int>(),
        Weighting = Enum.Parse<NeighborWeighting>(ClassifierRegistry.Required(json, "weighting").GetValue<string>()),
    };
}
