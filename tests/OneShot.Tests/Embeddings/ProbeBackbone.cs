using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>
/// A backbone (1x1 convolution, global average pooling) that shows every input to a probe before running, so a test
/// sees what <see cref="OneShot.Embeddings.Embedder"/> ran it with (<see cref="ThreadProbeBackboneOptions"/>: the
/// thread count; <see cref="StrideProbeBackboneOptions"/>: the memory layout).
/// </summary>
internal sealed class ProbeBackbone : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch field names.
    private readonly Conv2d conv;
#pragma warning restore IDE1006
    private readonly Action<Tensor>? _probe;

    public ProbeBackbone(int inChannels, Action<Tensor>? probe)
        : base(nameof(ProbeBackbone))
    {
        conv = nn.Conv2d(inChannels, 4, 1);
        _probe = probe;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        _probe?.Invoke(input);
        using var scope = NewDisposeScope();
        return conv.forward(input).mean([2, 3]).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv.Dispose();
        }

        base.Dispose(disposing);
    }
}
