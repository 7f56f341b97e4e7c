using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// Options of the <see cref="Conv4"/> backbone of Prototypical Networks (Snell et al. 2017):
/// four blocks of 3x3 convolution, batch norm, ReLU and 2x2 max-pool.
/// </summary>
public sealed record Conv4Options : BackboneOptions
{
    private readonly int[] _widths = [64, 64, 64, 64];

    /// <summary>Output channels of the four blocks. Default 64, 64, 64, 64.</summary>
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
    public override string Architecture => Conv4.ArchitectureName;

    /// <inheritdoc />
    public override IReadOnlyList<string> Stages { get; } = ["encoder.0", "encoder.1", "encoder.2", "encoder.3"];

    /// <inheritdoc />
    public override string ToCanonicalString() => $"widths={string.Join(',', _widths)}";

    /// <inheritdoc />
    public bool Equals(Conv4Options? other) => other is not null && _widths.SequenceEqual(other._widths);

    /// <inheritdoc />
    public override int GetHashCode() => ToCanonicalString().GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Build(int inChannels) => new Conv4(inChannels, _widths);
}
