using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// Describes a backbone network: enough to build it again from its saved metadata.
/// Derived records are the architectures OneShot knows (<see cref="Conv4Options"/>, ...).
/// </summary>
public abstract record BackboneOptions
{
    /// <summary>The architecture name stored in model metadata, for example <c>conv4</c>.</summary>
    public abstract string Architecture { get; }

    /// <summary>A stable text of every option that changes the network's weights or outputs.</summary>
    public abstract string ToCanonicalString();

    /// <summary>Builds the network for images with <paramref name="inChannels"/> channels; the output is <c>[N,D]</c>.</summary>
    internal abstract nn.Module<Tensor, Tensor> Build(int inChannels);
}
