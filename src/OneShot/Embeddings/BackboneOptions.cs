using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// Describes a backbone network: enough to build it again from its saved metadata.
/// Derived records are the architectures OneShot knows (<see cref="Conv4Options"/>, <see cref="ResNet12Options"/>,
/// <see cref="ResNet18Options"/>).
/// </summary>
/// <remarks>
/// A new backbone touches two places: a record deriving from this one (its options, <see cref="Build"/> and
/// <see cref="Stages"/>), and an <see cref="OneShot.Serialization.IBackboneCodec"/> registered with
/// <see cref="OneShot.Serialization.BackboneRegistry.Register"/> so that <see cref="OneShot.Serialization.ModelFile"/>
/// can save and load it. <see cref="Embedder.Create"/> takes any backbone.
/// </remarks>
public abstract record BackboneOptions
{
    /// <summary>The architecture name stored in model metadata, for example <c>conv4</c>.</summary>
    public abstract string Architecture { get; }

    /// <summary>A stable text of every option that changes the network's weights or outputs.</summary>
    public abstract string ToCanonicalString();

    /// <summary>
    /// The state-dict key prefixes of the network's stages, from input to output (for Conv4
    /// <c>encoder.0</c> ... <c>encoder.3</c>). Fine-tuning freezes and unfreezes by these, and a parameter
    /// belongs to the stage whose prefix its key starts with (followed by a dot).
    /// </summary>
    public abstract IReadOnlyList<string> Stages { get; }

    /// <summary>
    /// Builds a new network for images with <paramref name="inChannels"/> channels; its output is <c>[N,D]</c>. The
    /// caller owns the module. Parameter names are the state-dict keys saved in model files.
    /// </summary>
    /// <param name="inChannels">The image channels (1 or 3).</param>
    public abstract nn.Module<Tensor, Tensor> Build(int inChannels);
}
