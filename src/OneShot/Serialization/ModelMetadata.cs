using OneShot.Verification;
using OneShot.Embeddings;

namespace OneShot.Serialization;

/// <summary>What a model directory's <c>model.json</c> says, read without loading the weights.</summary>
public sealed record ModelMetadata
{
    /// <summary>The model-file format version.</summary>
    public required int FormatVersion { get; init; }

    /// <summary>The OneShot version that wrote the model.</summary>
    public required string LibraryVersion { get; init; }

    /// <summary>The options the embedder is rebuilt from (device <see cref="DeviceChoice.Auto"/>).</summary>
    public required EmbedderOptions Options { get; init; }

    /// <summary>The embedding length D.</summary>
    public required int EmbeddingSize { get; init; }

    /// <summary>The SHA-256 of the weights file, lower-case hex.</summary>
    public required string WeightsSha256 { get; init; }

    /// <summary>Free text about the model, if any.</summary>
    public string? Description { get; init; }

    /// <summary>Free-form facts about training; empty when none were saved.</summary>
    public IReadOnlyDictionary<string, string> TrainingInfo { get; init; } = new Dictionary<string, string>();

    /// <summary>The pair head kind when the directory holds a Siamese model (see <c>SiameseModel.Save</c>); null for a plain embedder.</summary>
    public SiameseHeadKind? SiameseHead { get; init; }
}
