namespace OneShot.Serialization;

/// <summary>The <c>backbone</c> object of a <c>resnet18</c> model: empty, the architecture has no options.</summary>
internal sealed record ResNet18BackboneJson;
