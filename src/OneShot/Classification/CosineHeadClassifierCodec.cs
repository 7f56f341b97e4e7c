using System.Text.Json.Nodes;

namespace OneShot.Classification;

/// <summary>JSON of <see cref="CosineHeadClassifierOptions"/>: <c>{"steps": 50, "learningRate": 0.01}</c>.</summary>
internal sealed class CosineHeadClassifierCodec : IClassifierCodec
{
    public string Name => "cosine-head";

    public Type OptionsType => typeof(CosineHeadClassifierOptions);

    public void Write(ClassifierOptions options, JsonObject json)
    {
        var o = (CosineHeadClassifierOptions)options;
        json["steps"] = o.Steps;
        json["learningRate"] = o.LearningRate;
    }

    public ClassifierOptions Read(JsonObject json) => new CosineHeadClassifierOptions
    {
        Steps = ClassifierRegistry.Required(json, "steps").GetValue<int>(),
        LearningRate = ClassifierRegistry.Required(json, "learningRate").GetValue<double>(),
    };
}
