namespace OneShot.Serialization;

/// <summary>The <c>backbone</c> object of a <c>resnet12</c> model.</summary>
internal sealed record ResNet12BackboneJson
{
    /// <summary>Output channels of the four stages.</summary>
    public required int[] Widths { get; init; }
}
