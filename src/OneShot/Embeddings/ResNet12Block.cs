using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// One ResNet-12 stage as in RFS / MetaOptNet: three 3x3 convolutions with batch norm (LeakyReLU 0.1 after the
/// first two), a 1x1 convolution + batch norm shortcut, the sum, LeakyReLU 0.1 and a 2x2 max-pool.
/// </summary>
internal sealed class ResNet12Block : nn.Module<Tensor, Tensor>
{
    private const double NegativeSlope = 0.1;

#pragma warning disable IDE1006 // PyTorch field names keep state-dict keys compatible.
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly LeakyReLU relu;
    private readonly MaxPool2d maxpool;
    private readonly Sequential downsample;
#pragma warning restore IDE1006

    public ResNet12Block(int inChannels, int width)
        : base(nameof(ResNet12Block))
    {
        conv1 = nn.Conv2d(inChannels, width, 3, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(width);
        conv2 = nn.Conv2d(width, width, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(width);
        conv3 = nn.Conv2d(width, width, 3, padding: 1, bias: false);
        bn3 = nn.BatchNorm2d(width);
        relu = nn.LeakyReLU(NegativeSlope);
        maxpool = nn.MaxPool2d(2);
        downsample = nn.Sequential(nn.Conv2d(inChannels, width, 1, bias: false), nn.BatchNorm2d(width));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = relu.forward(bn1.forward(conv1.forward(input)));
        x = relu.forward(bn2.forward(conv2.forward(x)));
        x = bn3.forward(conv3.forward(x));
        x = relu.forward(x + downsample.forward(input));
        return maxpool.forward(x).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            bn1.Dispose();
            conv2.Dispose();
            bn2.Dispose();
            conv3.Dispose();
            bn3.Dispose();
            relu.Dispose();
            maxpool.Dispose();
            downsample.Dispose();
        }

        base.Dispose(disposing);
    }
}
