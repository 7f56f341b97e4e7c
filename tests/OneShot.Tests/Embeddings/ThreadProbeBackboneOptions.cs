using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>A <see cref="ProbeBackbone"/> whose <see cref="Probe"/> receives (batch, libtorch's intra-op thread count) on every forward pass.</summary>
internal sealed record ThreadProbeBackboneOptions : BackboneOptions
{
    public Action<long, int>? Probe { get; init; }

    public override string Architecture => "thread-probe-test";

    public override IReadOnlyList<string> Stages => ["conv"];

    public override string ToCanonicalString() => "probe";

    public override nn.Module<Tensor, Tensor> Build(int inChannels) =>
        new ProbeBackbone(inChannels, Probe is null ? null : input => Probe(input.shape[0], get_num_threads()));
}
