namespace OneShot.Serialization;

/// <summary>
/// The <c>backbone</c> object of a <c>resnet18</c> model: empty for ResNet-18's standard depths and pooling, else the
/// blocks per stage and/or the pooling.
/// </summary>
internal sealed record ResNet18BackboneJson
{
    /// <summary>Basic blocks per stage, or null for [2, 2, 2, 2] (files written before depths were an option have none).</summary>
    public int[]? Blocks { get; init; }

    /// <summary>The pooled stages as <c>layer3:4</c> or <c>layer3:3,layer4:2</c>, or null for <c>layer4:1</c> (older files have none).</summary>
    public string? Pooling { get; init; }
}
