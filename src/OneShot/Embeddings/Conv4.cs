using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// The Conv4 backbone of Prototypical Networks: four blocks of 3x3 convolution (padding 1), batch norm,
/// ReLU and 2x2 max-pool, then flatten. For a 1x28x28 input and 64 channels the embedding has 64 values.
/// </summary>
/// <remarks>
/// Fields follow the reference PyTorch implementation (<c>encoder.{block}.{0 conv | 1 bn}</c>), so its
/// state-dict keys match weights exported from it.
/// </remarks>
public sealed class Conv4 : nn.Module<Tensor, Tensor>
{
    /// <summary>The architecture name stored in model metadata.</summary>
    public const string ArchitectureName = "conv4";

#pragma warning disable IDE1006 // PyTorch field names keep state-dict keys compatible.
    private readonly Sequential encoder;
#pragma warning restore IDE1006

    /// <summary>Creates a Conv4 for <paramref name="inChannels"/> input channels and the four block widths.</summary>
    /// <param name="inChannels">Channels of the input images.</param>
    /// <param name="widths">Output channels of the four blocks; default 64, 64, 64, 64.</param>
    /// <param name="generator">
    /// Draws the initial weights (PyTorch's default: uniform in ±1/√fan_in); null draws them from TorchSharp's global generator.
    /// </param>
    public Conv4(int inChannels = 1, IReadOnlyList<int>? widths = null, Generator? generator = null)
        : base(nameof(Conv4))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        widths ??= [64, 64, 64, 64];
        if (widths.Count != 4 || widths.Any(w => w <= 0))
        {
            throw new ArgumentException($"Conv4 needs four positive widths; got [{string.Join(", ", widths)}].", nameof(widths));
        }

        var blocks = new nn.Module<Tensor, Tensor>[4];
        int channels = inChannels;
        for (int i = 0; i < 4; i++)
        {
            blocks[i] = nn.Sequential(
                nn.Conv2d(channels, widths[i], 3, padding: 1),
                nn.BatchNorm2d(widths[i]),
                nn.ReLU(),
                nn.MaxPool2d(2));
            channels = widths[i];
        }

        encoder = nn.Sequential(blocks);
        RegisterComponents();
        if (generator is not null)
        {
            KaimingInit.PyTorchDefault(this, generator);
        }
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var features = encoder.forward(input);
        return features.flatten(1);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            encoder.Dispose();
        }

        base.Dispose(disposing);
    }
}
