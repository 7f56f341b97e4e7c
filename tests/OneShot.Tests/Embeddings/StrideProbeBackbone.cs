using OneShot.Embeddings;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>
/// A backbone (1x1 convolution, global average pooling) that reports the strides of every input it is given, so a
/// test sees the memory layout <see cref="Embedder.Forward"/> and <see cref="Embedder.Embed"/> hand to the network.
/// </summary>
internal sealed class StrideProbeBackbone : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch field names.
    private readonly Conv2d conv;
#pragma warning restore IDE1006
    private readonly Action<long[]> _probe;

    public StrideProbeBackbone(int inChannels, Action<long[]> probe)
        : base(nameof(StrideProbeBackbone))
    {
        conv = nn.Conv2d(inChannels, 4, 1);
        _probe = probe;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        _probe(input.stride());
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

/// <summary>Options of <see cref="StrideProbeBackbone"/>; <see cref="Probe"/> receives the input's strides on every forward pass.</summary>
internal sealed record StrideProbeBackboneOptions(Action<long[]> Probe) : BackboneOptions
{
    public override string Architecture => "stride-probe-test";

    public override IReadOnlyList<string> Stages => ["conv"];

    public override string ToCanonicalString() => "stride-probe";

    public override nn.Module<Tensor, Tensor> Build(int inChannels) => new StrideProbeBackbone(inChannels, Probe);
}
