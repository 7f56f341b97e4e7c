using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>Options of <see cref="DropoutBackbone"/>, a backbone from outside the library.</summary>
internal sealed record DropoutBackboneOptions : BackboneOptions
{
    public int Width { get; init; } = 6;

    public override string Architecture => "dropout-test";

    public override IReadOnlyList<string> Stages => ["conv", "bn"];

    public override string ToCanonicalString() => $"width={Width}";

    public override nn.Module<Tensor, Tensor> Build(int inChannels) => new DropoutBackbone(inChannels, Width);
}
