using System.Text.Json.Nodes;

namespace OneShot.Classification;

/// <summary>JSON of <see cref="LinearProbeClassifierOptions"/>: <c>{"steps": 200, "learningRate": 0.05, "weightDecay": 0.001}</c>.</summary>
internal sealed class LinearProbeClassifierCodec : IClassifierCodec
{
    public string Name => "probe";

    public Type OptionsType => typeof(LinearProbeClassifierOptions);

    public void Write(ClassifierOptions options, JsonObject json)
    {
        var o = (LinearProbeClassifierOptions)options;
        json["steps"] = o.Steps;
        json["learningRate"] = o.LearningRate;
        json["weightDecay"] = o.WeightDecay;
    }

    public ClassifierOptions Read(JsonObject json) => new LinearProbeClassifierOptions
    {
        Steps = ClassifierRegistry.Required(json, "steps").GetValue<int>(),
        LearningRate = ClassifierRegistry.Required(json, "learningRate").GetValue<double>(),
        WeightDecay = ClassifierRegistry.Required(json, "weightDecay").GetValue<double>(),
    };
}
