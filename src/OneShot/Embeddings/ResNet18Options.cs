using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// Options of the <see cref="ResNet18"/> backbone: torchvision's ResNet-18 without the classifier, giving 512-value
/// embeddings (or, with <see cref="Pooling"/>, stage outputs pooled on a grid). The architecture is fixed; the input
/// channels come from the preprocessing.
/// </summary>
public sealed record ResNet18Options : BackboneOptions
{
    private static readonly string[] StageNames = ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4"];
    private readonly int[] _blocks = [2, 2, 2, 2];
    private readonly StagePooling[] _pooling = [.. StagePooling.Default];

    /// <summary>ResNet-18's depths: two basic blocks in each stage.</summary>
    internal static IReadOnlyList<int> StandardBlocks { get; } = [2, 2, 2, 2];

    /// <summary>
    /// Basic blocks in each of the four stages. Default [2, 2, 2, 2], ResNet-18. Other depths exist for imported
    /// networks of the same family: CNTK's ImageNet "ResNet18" (ML.NET's DnnImageFeaturizer) has [2, 2, 2, 3].
    /// </summary>
    public IReadOnlyList<int> BlocksPerStage
    {
        get => _blocks;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(BlocksPerStage));
            if (value.Count != 4 || value.Any(b => b is < 1 or > 16))
            {
                throw new ArgumentException($"BlocksPerStage must have 4 counts from 1 to 16; got [{string.Join(",", value)}].", nameof(BlocksPerStage));
            }

            _blocks = [.. value];
        }
    }

    /// <summary>
    /// What the embedding is made of: default <c>layer4:1</c>, ResNet-18's global average of its last stage (512
    /// values). Other lists pool stage outputs on a grid (<see cref="StagePooling"/>), for example <c>layer3:4</c>
    /// (256 x 4 x 4 = 4,096 values); with more than one entry each part is scaled to unit L2 norm and the parts are
    /// concatenated. The weights are the same whatever the pooling, so a pretrained model can be re-pooled.
    /// Tuning the last blocks (<c>TunedTailTrainer</c>) needs the default.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty, longer than 4, or its stages repeat or are out of order.</exception>
    public IReadOnlyList<StagePooling> Pooling
    {
        get => _pooling;
        init => _pooling = [.. StagePooling.Validate(value)];
    }

    /// <summary>True when <see cref="Pooling"/> is ResNet-18's own global average of <c>layer4</c>.</summary>
    internal bool HasDefaultPooling => StagePooling.IsDefault(_pooling);

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
    /// <remarks>
    /// Empty for ResNet-18's standard depths and pooling (as before either was an option), else for example
    /// <c>blocks=2,2,2,3</c>, <c>pool=layer3:4</c> or both separated by <c>;</c>.
    /// </remarks>
    public override string ToCanonicalString() => string.Join(";", new[]
    {
        _blocks.SequenceEqual(StandardBlocks) ? null : $"blocks={string.Join(",", _blocks)}",
        HasDefaultPooling ? null : $"pool={StagePooling.FormatList(_pooling)}",
    }.Where(part => part is not null));

    /// <inheritdoc />
    public bool Equals(ResNet18Options? other) => other is not null && ToCanonicalString() == other.ToCanonicalString();

    /// <inheritdoc />
    public override int GetHashCode() => ToCanonicalString().GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Build(int inChannels) => new ResNet18(inChannels, _blocks) { Pooling = _pooling };
}
