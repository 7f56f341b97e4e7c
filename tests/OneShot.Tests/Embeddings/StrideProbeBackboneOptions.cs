using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>
/// A <see cref="ProbeBackbone"/> whose <see cref="Probe"/> receives the strides of every input, so a test sees the memory
/// layout <see cref="Embedder.Forward"/> and <see cref="Embedder.Embed"/> hand to the network.
/// </summary>
internal sealed record StrideProbeBackboneOptions(Action<long[]> Probe) : BackboneOptions
{
    public override string Architecture => "stride-probe-test";

    public override IReadOnlyList<string> Stages => ["conv"];

    public override string ToCanonicalString() => "stride-probe";

    public override nn.Module<Tensor, Tensor> Build(int inChannels) => new ProbeBackbone(inChannels, input => Probe(input.stride()));
}
