using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// The few-shot ResNet-12 of MetaOptNet (Lee et al. 2019) and RFS (Tian et al. 2020): four residual stages, each
/// three 3x3 convolutions with batch norm and LeakyReLU 0.1, a 1x1 shortcut and a 2x2 max-pool, then global average
/// pooling. With the default widths 64, 160, 320, 640 the embedding has 640 values for any input of at least 16x16.
/// </summary>
/// <remarks>
/// Fields follow RFS's <c>models/resnet.py</c> (<c>layer{1-4}.0.{conv1,bn1,conv2,bn2,conv3,bn3}</c> and
/// <c>layer{1-4}.0.downsample.{0 conv | 1 bn}</c>), so its state-dict keys match weights exported from RFS's
/// <c>resnet12(avg_pool=True)</c> without the classifier. DropBlock and dropout are not part of this module: they
/// have no weights and act only while training, so the network equals RFS's with <c>drop_rate=0</c>.
/// Convolutions start from a fan-out Kaiming normal, as in RFS.
/// </remarks>
public sealed class ResNet12 : nn.Module<Tensor, Tensor>
{
    /// <summary>The architecture name stored in model metadata.</summary>
    public const string ArchitectureName = "resnet12";

#pragma warning disable IDE1006 // PyTorch field names keep state-dict keys compatible.
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d avgpool;
#pragma warning restore IDE1006

    /// <summary>Creates a ResNet-12 for <paramref name="inChannels"/> input channels and the four stage widths.</summary>
    /// <param name="inChannels">Channels of the input images; 3 for RGB.</param>
    /// <param name="widths">Output channels of the four stages; default 64, 160, 320, 640.</param>
    /// <param name="generator">Draws the initial convolution weights; null draws them from TorchSharp's global generator.</param>
    public ResNet12(int inChannels = 3, IReadOnlyList<int>? widths = null, Generator? generator = null)
        : base(nameof(ResNet12))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        widths ??= [64, 160, 320, 640];
        if (widths.Count != 4 || widths.Any(w => w <= 0))
        {
            throw new ArgumentException($"ResNet12 needs four positive widths; got [{string.Join(", ", widths)}].", nameof(widths));
        }

        layer1 = nn.Sequential(new ResNet12Block(inChannels, widths[0]));
        layer2 = nn.Sequential(new ResNet12Block(widths[0], widths[1]));
        layer3 = nn.Sequential(new ResNet12Block(widths[1], widths[2]));
        layer4 = nn.Sequential(new ResNet12Block(widths[2], widths[3]));
        avgpool = nn.AdaptiveAvgPool2d(1);
        RegisterComponents();
        KaimingInit.FanOutConvolutions(this, generator);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = layer1.forward(input);
        x = layer2.forward(x);
        x = layer3.forward(x);
        x = layer4.forward(x);
        return avgpool.forward(x).flatten(1).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            layer1.Dispose();
            layer2.Dispose();
            layer3.Dispose();
            layer4.Dispose();
            avgpool.Dispose();
        }

        base.Dispose(disposing);
    }
}
