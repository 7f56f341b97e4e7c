using System.Text.Json;
using OneShot.Data;
using OneShot.IO;

namespace OneShot.Serialization.Onnx;

/// <summary>
/// Reads and writes the sidecar JSON of an ONNX embedding model: <c>model.onnx</c> is described by
/// <c>model.onnx.json</c> beside it (see <see cref="OnnxSidecar"/>).
/// </summary>
/// <example>
/// <code>
/// {
///   "formatVersion": 1,
///   "input": "pixel_values",
///   "output": "image_embeds",
///   "l2Normalize": true,
///   "preprocessing": { "color": "rgb", "width": 224, "height": 224, "invert": false,
///                      "mean": [0.4815, 0.4578, 0.4082], "std": [0.2686, 0.2613, 0.2758] }
/// }
/// </code>
/// </example>
public static class OnnxSidecarFile
{
    /// <summary>The sidecar format version this library writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The sidecar path of the ONNX file <paramref name="onnxPath"/>: the same path with <c>.json</c> appended.</summary>
    public static string PathFor(string onnxPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        return onnxPath + ".json";
    }

    /// <summary>Reads and validates the sidecar file at <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">The file is missing, not valid JSON, of a newer format or holds invalid values; the message names it.</exception>
    public static OnnxSidecar Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ModelFormatException(path, $"The ONNX sidecar file '{path}' was not found; expected a JSON file naming the model's input, output and preprocessing beside the .onnx file.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"The ONNX sidecar file '{path}' could not be read: {e.Message}", e);
        }

        OnnxSidecarJson json;
        try
        {
            json = JsonSerializer.Deserialize(bytes, OnnxSidecarJsonContext.Default.OnnxSidecarJson)
                ?? throw new ModelFormatException(path, $"The ONNX sidecar file '{path}' is JSON null; expected an object.");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, $"The ONNX sidecar file '{path}' is not valid: {e.Message}", e);
        }

        if (json.FormatVersion < 1 || json.FormatVersion > FormatVersion)
        {
            throw new ModelFormatException(path, $"The ONNX sidecar file '{path}' has formatVersion {json.FormatVersion}; this library reads 1 to {FormatVersion}.");
        }

        try
        {
            return new OnnxSidecar
            {
                InputName = json.Input,
                OutputName = json.Output,
                Preprocessing = PreprocessingCodec.FromJson(json.Preprocessing, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", path),
                L2Normalize = json.L2Normalize,
                EmbeddingSize = json.EmbeddingSize,
                Architecture = string.IsNullOrWhiteSpace(json.Architecture) ? "onnx" : json.Architecture,
                Description = json.Description,
            };
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException(path, $"The ONNX sidecar file '{path}' holds an invalid value: {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="sidecar"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, OnnxSidecar sidecar)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(sidecar);
        var p = sidecar.Preprocessing;
        var json = new OnnxSidecarJson
        {
            FormatVersion = FormatVersion,
            Input = sidecar.InputName,
            Output = sidecar.OutputName,
            Preprocessing = PreprocessingCodec.ToJson(p),
            L2Normalize = sidecar.L2Normalize,
            EmbeddingSize = sidecar.EmbeddingSize,
            Architecture = sidecar.Architecture,
            Description = sidecar.Description,
        };
        PreprocessingCodec.WriteFiles(p, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", beforeCommit: null);
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(json, OnnxSidecarJsonContext.Default.OnnxSidecarJson));
    }
}
