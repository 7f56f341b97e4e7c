using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// Options of the <see cref="ResNet12"/> backbone of MetaOptNet / RFS: four residual stages of three 3x3
/// convolutions with a 1x1 shortcut and a 2x2 max-pool, then global average pooling.
/// </summary>
public sealed record ResNet12Options : BackboneOptions
{
    private static readonly string[] StageNames = ["layer1", "layer2", "layer3", "layer4"];
    private readonly int[] _widths = [64, 160, 320, 640];

    /// <summary>Output channels of the four stages; the last is the embedding length. Default 64, 160, 320, 640.</summary>
    public IReadOnlyList<int> Widths
    {
        get => _widths;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Widths));
            if (value.Count != 4 || value.Any(w => w <= 0))
            {
                throw new ArgumentException($"Widths must hold four positive channel counts; got [{string.Join(", ", value)}].", nameof(Widths));
            }

            _widths = value.ToArray();
        }
    }

    /// <inheritdoc />
    public override string Architecture => ResNet12.ArchitectureName;

    /// <inheritdoc />
    /// <remarks>The four residual stages <c>layer1</c> ... <c>layer4</c>; every weight belongs to one of them.</remarks>
    public override IReadOnlyList<string> Stages => StageNames;

    /// <inheritdoc />
    public override string ToCanonicalString() => $"widths={string.Join(',', _widths)}";

    /// <inheritdoc />
    public bool Equals(ResNet12Options? other) => other is not null && _widths.SequenceEqual(other._widths);

    /// <inheritdoc />
    public override int GetHashCode() => ToCanonicalString().GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Build(int inChannels) => new ResNet12(inChannels, _widths);
}
