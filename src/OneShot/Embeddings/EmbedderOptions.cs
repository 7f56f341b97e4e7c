using OneShot.Data;

namespace OneShot.Embeddings;

/// <summary>Everything needed to build an <see cref="Embedder"/>.</summary>
public sealed record EmbedderOptions
{
    private readonly BackboneOptions _backbone = new Conv4Options();
    private readonly ImagePreprocessing _preprocessing = new();

    /// <summary>The backbone network. Default: <see cref="Conv4Options"/> with 64 channels.</summary>
    public BackboneOptions Backbone
    {
        get => _backbone;
        init => _backbone = value ?? throw new ArgumentNullException(nameof(Backbone));
    }

    /// <summary>How images become inputs; also fixes the input channels. Default: 28x28 grayscale.</summary>
    public ImagePreprocessing Preprocessing
    {
        get => _preprocessing;
        init => _preprocessing = value ?? throw new ArgumentNullException(nameof(Preprocessing));
    }

    /// <summary>When true, embeddings are scaled to unit L2 norm. Default false.</summary>
    public bool L2Normalize { get; init; }

    /// <summary>Where the network runs. Default <see cref="DeviceChoice.Auto"/>.</summary>
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;
}
