using OneShot.Data;

namespace OneShot.Serialization.Onnx;

/// <summary>
/// What the JSON file beside an ONNX embedding model says about it: the names of its image input and embedding
/// output, how image files become that input, and whether its outputs are to be scaled to unit length.
/// </summary>
/// <remarks>
/// <see cref="OnnxExporter"/> writes one next to every model it exports; for a model exported elsewhere (CLIP,
/// DINOv2, a face model) the user writes it. <see cref="OnnxSidecarFile"/> reads and writes it.
/// </remarks>
public sealed record OnnxSidecar
{
    private readonly string _inputName = OnnxExporter.InputName;
    private readonly string _outputName = OnnxExporter.OutputName;
    private readonly ImagePreprocessing _preprocessing = new();
    private readonly int? _embeddingSize;

    /// <summary>The name of the model's image input <c>[N,C,H,W]</c> (float32). Default <c>images</c>.</summary>
    public string InputName
    {
        get => _inputName;
        init => _inputName = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("InputName must not be empty.", nameof(InputName)) : value;
    }

    /// <summary>The name of the model's embedding output <c>[N,D]</c> (or <c>[N,D,1,1]</c>). Default <c>embeddings</c>.</summary>
    public string OutputName
    {
        get => _outputName;
        init => _outputName = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("OutputName must not be empty.", nameof(OutputName)) : value;
    }

    /// <summary>How image files become the model input; its size and channels must fit the model.</summary>
    public ImagePreprocessing Preprocessing
    {
        get => _preprocessing;
        init => _preprocessing = value ?? throw new ArgumentNullException(nameof(Preprocessing));
    }

    /// <summary>
    /// When true, the ONNX embedder scales each output to unit L2 norm after running the model. False when the
    /// model does it itself (as OneShot's exports of L2-normalised embedders do) or when raw outputs are wanted.
    /// </summary>
    public bool L2Normalize { get; init; }

    /// <summary>The embedding length D, when known; checked against the model's output when given.</summary>
    public int? EmbeddingSize
    {
        get => _embeddingSize;
        init => _embeddingSize = value is null or > 0 ? value : throw new ArgumentOutOfRangeException(nameof(EmbeddingSize), value, "EmbeddingSize must be positive.");
    }

    /// <summary>A short name of the network, for example <c>conv4</c> or <c>clip-vit-b32</c>; default <c>onnx</c>.</summary>
    public string Architecture { get; init; } = "onnx";

    /// <summary>Optional free text.</summary>
    public string? Description { get; init; }
}
