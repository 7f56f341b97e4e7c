using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>
/// A backbone (1x1 convolution, global average pooling) whose forward pass reports libtorch's intra-op thread count
/// on the calling thread, so a test sees which count <see cref="OneShot.Embeddings.Embedder.Embed"/> ran with.
/// </summary>
internal sealed class ThreadProbeBackbone : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch field names.
    private readonly Conv2d conv;
#pragma warning restore IDE1006
    private readonly Action<long, int>? _probe;

    public ThreadProbeBackbone(int inChannels, Action<long, int>? probe)
        : base(nameof(ThreadProbeBackbone))
    {
        conv = nn.Conv2d(inChannels, 4, 1);
        _probe = probe;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        _probe?.Invoke(input.shape[0], get_num_threads());
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
