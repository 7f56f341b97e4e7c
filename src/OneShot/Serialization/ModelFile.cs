using OneShot.Embeddings;

namespace OneShot.Serialization;

/// <summary>
/// Saves and loads an <see cref="Embedder"/> as a model directory: <c>weights-&lt;hash&gt;.bin</c> (the network's
/// state dictionary in TorchSharp's own format, readable by <c>Module.load</c> and written by PyTorch users
/// with TorchSharp's exportsd.py) and <c>model.json</c> (architecture, options, preprocessing, normalisation,
/// embedding size, the SHA-256 of the weights, and optional notes).
/// </summary>
/// <remarks>
/// The weights file is named after the first 16 hex digits of its SHA-256, so a new save never overwrites the
/// weights the current <c>model.json</c> points to. Each file is written to a temporary file and renamed, weights
/// first and <c>model.json</c> last: replacing <c>model.json</c> is the single commit point, so a save that fails
/// or is interrupted at any moment leaves the previous model loadable. Weights files no longer referenced are
/// deleted after the commit. Loading checks the hash, keys, shapes and element types strictly.
/// </remarks>
public static class ModelFile
{
    /// <summary>The model-file format version this library writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The metadata file name in a model directory.</summary>
    public const string MetadataFileName = "model.json";

    /// <summary>The pattern of weights file names in a model directory: <c>weights-&lt;16 hex digits of SHA-256&gt;.bin</c>.</summary>
    public const string WeightsFilePattern = "weights-*.bin";

    /// <summary>The weights file name for weights whose SHA-256 (hex) is <paramref name="sha256"/>.</summary>
    public static string WeightsFileNameFor(string sha256)
    {
        ArgumentException.ThrowIfNullOrEmpty(sha256);
        return sha256.Length < 16
            ? throw new ArgumentException($"Expected a SHA-256 in hex (64 digits); got '{sha256}'.", nameof(sha256))
            : $"weights-{sha256[..16].ToLowerInvariant()}.bin";
    }

    /// <summary>The full path of the weights file that <c>model.json</c> of <paramref name="directory"/> names.</summary>
    /// <exception cref="ModelFormatException"><c>model.json</c> is missing or invalid; the message names it.</exception>
    public static string GetWeightsPath(string directory) =>
        Path.Combine(directory, ModelFileReader.ReadMetadata(directory).Json.Weights.File);

    /// <summary>Saves <paramref name="embedder"/> to <paramref name="directory"/>, creating it when needed and replacing a model already there.</summary>
    /// <param name="embedder">The embedder to save.</param>
    /// <param name="directory">The model directory.</param>
    /// <param name="description">Optional free text stored in <c>model.json</c>.</param>
    /// <param name="trainingInfo">Optional free-form facts about training stored in <c>model.json</c>.</param>
    /// <exception cref="ArgumentException">The embedder's architecture cannot be stored in a model file.</exception>
    /// <exception cref="IOException">A file could not be written; the previous model files are left intact.</exception>
    public static void Save(
        Embedder embedder,
        string directory,
        string? description = null,
        IReadOnlyDictionary<string, string>? trainingInfo = null) =>
        ModelFileWriter.Save(embedder, directory, description, trainingInfo, beforeCommit: null);

    /// <summary>Loads the embedder saved in <paramref name="directory"/>, rebuilt from its metadata alone.</summary>
    /// <param name="directory">The model directory.</param>
    /// <param name="device">Where the loaded embedder runs.</param>
    /// <returns>A new embedder the caller owns (and disposes).</returns>
    /// <exception cref="ModelFormatException">
    /// The directory or a file is missing, <c>model.json</c> is invalid, of a newer format or names an unknown
    /// architecture, the weights do not match their recorded hash, are truncated, or do not fit the network
    /// (<see cref="StateDictMismatchException"/>). The message names the file.
    /// </exception>
#pragma warning disable RS0027 // The options overload has as many parameters, of another type: no existing call binds differently.
    public static Embedder Load(string directory, DeviceChoice device = DeviceChoice.Auto) =>
        ModelFileReader.Load(directory, device);
#pragma warning restore RS0027

    /// <summary>
    /// Loads the embedder saved in <paramref name="directory"/> on the device and with the image limits of
    /// <paramref name="options"/>: every image decoded for it (by a <see cref="Galleries.Gallery"/>, an
    /// <see cref="Data.ImageLoader"/> over its preprocessing or a <see cref="FileEmbeddingPipeline"/>) is checked against
    /// <see cref="ModelLoadOptions.Limits"/>. Limits do not change the embeddings or the fingerprint, so galleries built
    /// under other limits still load.
    /// </summary>
    /// <param name="directory">The model directory.</param>
    /// <param name="options">The device and the pixel, encoded-byte and batch-memory limits.</param>
    /// <returns>A new embedder the caller owns (and disposes).</returns>
    /// <exception cref="ModelFormatException">As <see cref="Load(string, DeviceChoice)"/>.</exception>
    public static Embedder Load(string directory, ModelLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ModelFileReader.Load(directory, options.Device, options.Limits);
    }

    /// <summary>Reads <c>model.json</c> of <paramref name="directory"/> without loading the weights.</summary>
    /// <param name="directory">The model directory.</param>
    /// <exception cref="ModelFormatException"><c>model.json</c> is missing or invalid; the message names it.</exception>
    public static ModelMetadata ReadMetadata(string directory) => ModelFileReader.ReadMetadata(directory).Metadata;
}
