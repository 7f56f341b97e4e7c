using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// Options of the <see cref="ResNet18"/> backbone: torchvision's ResNet-18 without the classifier, giving 512-value
/// embeddings. The architecture is fixed; the input channels come from the preprocessing.
/// </summary>
public sealed record ResNet18Options : BackboneOptions
{
    private static readonly string[] StageNames = ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4"];

    /// <inheritdoc />
    public override string Architecture => ResNet18.ArchitectureName;

    /// <inheritdoc />
    /// <remarks>
    /// <c>conv1</c>, <c>bn1</c>, <c>layer1</c> ... <c>layer4</c>. torchvision's stem is two modules with no common
    /// key prefix, so it is listed as two stages, <c>conv1</c> then <c>bn1</c>; every weight belongs to exactly one
    /// stage. To freeze the whole stem, freeze the first two stages; training the last four trains the residual
    /// stages only.
    /// </remarks>
    public override IReadOnlyList<string> Stages => StageNames;

    /// <inheritdoc />
    /// <remarks>ResNet-18 has no options, so this is empty.</remarks>
    public override string ToCanonicalString() => string.Empty;

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Build(int inChannels) => new ResNet18(inChannels);
}
