using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Extensibility;

/// <summary>
/// An outside backbone, written against the public API only: average-pool the image to 4x4 and apply one linear
/// layer of <see cref="Dimension"/> outputs.
/// </summary>
public sealed record PooledLinearOptions : BackboneOptions
{
    public const string Name = "test-pooled-linear";

    public int Dimension { get; init; } = 6;

    public override string Architecture => Name;

    public override IReadOnlyList<string> Stages { get; } = ["fc"];

    public override string ToCanonicalString() => $"dimension={Dimension}";

    public override nn.Module<Tensor, Tensor> Build(int inChannels) =>
        nn.Sequential(("pool", nn.AdaptiveAvgPool2d(4)), ("flatten", nn.Flatten()), ("fc", nn.Linear(inChannels * 16, Dimension)));
}
