using OneShot.Data;
using OneShot.Embeddings;

namespace OneShot.Serialization;

/// <summary>How <see cref="ModelFile.Load(string, ModelLoadOptions)"/> loads a model folder: the device and the image limits a host sets.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Where the loaded embedder runs. Default <see cref="DeviceChoice.Auto"/>.</summary>
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    /// <summary>
    /// The pixel, encoded-byte and batch-memory limits applied to every image decoded for the loaded embedder (by a
    /// gallery, an <see cref="ImageLoader"/> over its preprocessing or a <see cref="FileEmbeddingPipeline"/>); they
    /// replace the model's own. Null (the default): the limits stored in the model (<c>preprocessing.limits</c> of
    /// <c>model.json</c>, which may only lower <see cref="ImageLimits.Default"/>), else the defaults. Limits change
    /// neither the embeddings nor the fingerprint.
    /// </summary>
    public ImageLimits? Limits { get; init; }
}
