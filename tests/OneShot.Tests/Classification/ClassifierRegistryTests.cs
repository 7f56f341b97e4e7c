using System.Text.Json;
using System.Text.Json.Nodes;
using OneShot.Classification;
using OneShot.Verification;

namespace OneShot.Tests.Classification;

public sealed class ClassifierRegistryTests
{
    public static TheoryData<ClassifierOptions> BuiltIns() =>
    [
        new PrototypeClassifierOptions(),
        new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine, Transform = FeatureTransform.CenterThenL2Normalize, CenteringMean = [0.5f, -1.25f], TopK = 2, UnknownThreshold = 0.3 },
        new KNearestNeighborOptions { K = 7, Weighting = NeighborWeighting.Uniform, Metric = DistanceMetric.Euclidean, Temperature = 0.7 },
        new LinearProbeClassifierOptions { Steps = 12, LearningRate = 0.2, WeightDecay = 0 },
        new CosineHeadClassifierOptions { Steps = 0, LearningRate = 0.3, Temperature = 0.05 },
        new SiameseClassifierOptions { Head = SiameseHead.Contrastive(0.75) },
        new SiameseClassifierOptions { Head = SiameseHead.Koch([0.25f, -1.5f], 0.125f), UnknownThreshold = 0.6 },
    ];

    [Theory]
    [MemberData(nameof(BuiltIns))]
    public void ToJsonFromJson_EveryBuiltInMethod_RoundTripsEqual(ClassifierOptions options)
    {
        string json = ClassifierRegistry.ToJson(options);
        var back = ClassifierRegistry.FromJson(json);

        back.GetType().Should().Be(options.GetType());
        ClassifierRegistry.ToJson(back).Should().Be(json);
        (back.Metric, back.Temperature, back.TopK, back.UnknownThreshold).Should().Be((options.Metric, options.Temperature, options.TopK, options.UnknownThreshold));
        if (options is not SiameseClassifierOptions)
        {
            back.Should().Be(options with { Temperature = options.Temperature });
        }
    }

    [Fact]
    public void ToJson_Prototype_WritesTheDocumentedShape()
    {
        var json = JsonNode.Parse(ClassifierRegistry.ToJson(new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine, TopK = 3 }))!;

        json["type"]!.GetValue<string>().Should().Be("prototype");
        json["metric"]!.GetValue<string>().Should().Be("cosine");
        json["temperature"]!.GetValue<double>().Should().Be(0.1);
        json["topK"]!.GetValue<int>().Should().Be(3);
        json["options"]!["transform"]!.GetValue<string>().Should().Be("None");
    }

    [Fact]
    public void FromJson_UnregisteredType_ThrowsJsonExceptionNamingItAndTheRegisteredOnes()
    {
        var act = () => ClassifierRegistry.FromJson("""{"type":"nope","metric":"cosine","temperature":1,"topK":1,"options":{}}""");

        act.Should().Throw<JsonException>().WithMessage("*'nope' is not registered*prototype*ClassifierRegistry.Register*");
    }

    [Fact]
    public void FromJson_InvalidValue_ThrowsJsonExceptionWithTheReason()
    {
        var act = () => ClassifierRegistry.FromJson("""{"type":"knn","metric":"cosine","temperature":1,"topK":0,"options":{"k":3,"weighting":"Distance"}}""");

        act.Should().Throw<JsonException>().WithMessage("*TopK must be at least 1*");
    }

    [Fact]
    public void ToJson_UnregisteredOptionsType_ThrowsArgumentExceptionNamingIt()
    {
        var act = () => ClassifierRegistry.ToJson(new UnregisteredOptions());

        act.Should().Throw<ArgumentException>().WithMessage("*UnregisteredOptions cannot be stored*ClassifierRegistry.Register*");
    }

    [Fact]
    public void Register_NameTaken_ThrowsArgumentException()
    {
        var act = () => ClassifierRegistry.Register(new TakenNameCodec());

        act.Should().Throw<ArgumentException>().WithMessage("*'prototype'*already registered*");
    }

    private sealed record UnregisteredOptions : ClassifierOptions
    {
        public override IFewShotClassifier CreateClassifier() => new PrototypeClassifier();
    }

    private sealed class TakenNameCodec : IClassifierCodec
    {
        public string Name => "prototype";

        public Type OptionsType => typeof(UnregisteredOptions);

        public void Write(ClassifierOptions options, JsonObject json)
        {
        }

        public ClassifierOptions Read(JsonObject json) => new UnregisteredOptions();
    }
}
