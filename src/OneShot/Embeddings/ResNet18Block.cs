using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// torchvision's <c>BasicBlock</c>: 3x3 convolution (with the block's stride), batch norm, ReLU, 3x3 convolution,
/// batch norm, plus the input (through <c>downsample</c> = 1x1 convolution + batch norm when the shape changes), ReLU.
/// </summary>
internal sealed class ResNet18Block : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch field names keep state-dict keys compatible.
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? downsample;
#pragma warning restore IDE1006

    public ResNet18Block(int inChannels, int width, int stride)
        : base(nameof(ResNet18Block))
    {
        conv1 = nn.Conv2d(inChannels, width, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(width);
        relu = nn.ReLU();
        conv2 = nn.Conv2d(width, width, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(width);
        if (stride != 1 || inChannels != width)
        {
            downsample = nn.Sequential(nn.Conv2d(inChannels, width, 1, stride: stride, bias: false), nn.BatchNorm2d(width));
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = relu.forward(bn1.forward(conv1.forward(input)));
        x = bn2.forward(conv2.forward(x));
        var identity = downsample is null ? input : downsample.forward(input);
        return relu.forward(x + identity).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            bn1.Dispose();
            relu.Dispose();
            conv2.Dispose();
            bn2.Dispose();
            downsample?.Dispose();
        }

        base.Dispose(disposing);
    }
}
