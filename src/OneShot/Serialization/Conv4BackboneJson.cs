namespace OneShot.Serialization;

/// <summary>The <c>backbone</c> object of a <c>conv4</c> model.</summary>
internal sealed record Conv4BackboneJson
{
    /// <summary>Output channels of the four blocks.</summary>
    public required int[] Widths { get; init; }
}
