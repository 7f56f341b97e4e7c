using System.Text.Json;
using OneShot.Verification;

namespace OneShot.Serialization;

/// <summary>The content of <c>model.json</c> (camelCase, indented). Version 1.</summary>
internal sealed record ModelJson
{
    /// <summary>The model-file format version; readers refuse versions they do not know.</summary>
    public required int FormatVersion { get; init; }

    /// <summary>The OneShot version that wrote the file.</summary>
    public required string LibraryVersion { get; init; }

    /// <summary>The architecture name, the key of the backbone registry, for example <c>conv4</c>.</summary>
    public required string Architecture { get; init; }

    /// <summary>The architecture's options, read by the architecture's codec.</summary>
    public required JsonElement Backbone { get; init; }

    /// <summary>How images become inputs; fixes the input channels.</summary>
    public required PreprocessingJson Preprocessing { get; init; }

    /// <summary>Whether embeddings are scaled to unit L2 norm.</summary>
    public required bool L2Normalize { get; init; }

    /// <summary>The embedding length D.</summary>
    public required int EmbeddingSize { get; init; }

    /// <summary>The weights file and its hash.</summary>
    public required WeightsJson Weights { get; init; }

    /// <summary>Free text about the model.</summary>
    public string? Description { get; init; }

    /// <summary>Free-form facts about training (dataset, episodes, accuracy, ...).</summary>
    public Dictionary<string, string>? TrainingInfo { get; init; }

    /// <summary>The pair head and verification threshold of a Siamese model; absent for a plain embedder.</summary>
    public SiameseJson? Siamese { get; init; }
}
