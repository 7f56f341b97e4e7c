using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>
/// A backbone the library cannot fold (it has dropout): 3x3 convolution, batch norm, dropout, ReLU, global average
/// pooling. Its training-mode output is random and updates batch-norm statistics, so it shows whether Embed runs it in
/// evaluation mode without touching the user's network.
/// </summary>
internal sealed class DropoutBackbone : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch field names.
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;
    private readonly Dropout dropout;
#pragma warning restore IDE1006

    public DropoutBackbone(int inChannels, int width)
        : base(nameof(DropoutBackbone))
    {
        conv = nn.Conv2d(inChannels, width, 3, padding: 1);
        bn = nn.BatchNorm2d(width);
        dropout = nn.Dropout(0.5);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return dropout.forward(bn.forward(conv.forward(input))).relu().mean([2, 3]).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv.Dispose();
            bn.Dispose();
            dropout.Dispose();
        }

        base.Dispose(disposing);
    }
}
