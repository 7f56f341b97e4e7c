namespace OneShot.Serialization;

/// <summary>
/// The <c>backbone</c> object of a <c>resnet18</c> model: empty for ResNet-18's standard depths, else the blocks per stage.
/// </summary>
internal sealed record ResNet18BackboneJson
{
    /// <summary>Basic blocks per stage, or null for [2, 2, 2, 2] (files written before depths were an option have none).</summary>
    public int[]? Blocks { get; init; }
}
