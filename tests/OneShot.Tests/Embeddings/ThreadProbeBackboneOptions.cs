using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>Options of <see cref="ThreadProbeBackbone"/>; <see cref="Probe"/> receives (batch, thread count) on every forward pass.</summary>
internal sealed record ThreadProbeBackboneOptions : BackboneOptions
{
    public Action<long, int>? Probe { get; init; }

    public override string Architecture => "thread-probe-test";

    public override IReadOnlyList<string> Stages => ["conv"];

    public override string ToCanonicalString() => "probe";

    public override nn.Module<Tensor, Tensor> Build(int inChannels) => new ThreadProbeBackbone(inChannels, Probe);
}
