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
                Preprocessing = ToPreprocessing(json.Preprocessing),
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
            Preprocessing = new PreprocessingJson
            {
                Color = p.Color == ColorMode.Grayscale ? "grayscale" : "rgb",
                Width = p.Width,
                Height = p.Height,
                Invert = p.Invert,
                Mean = p.Mean.ToArray(),
                Std = p.Std.ToArray(),
            },
            L2Normalize = sidecar.L2Normalize,
            EmbeddingSize = sidecar.EmbeddingSize,
            Architecture = sidecar.Architecture,
            Description = sidecar.Description,
        };
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(json, OnnxSidecarJsonContext.Default.OnnxSidecarJson));
    }

    // The same mapping as model.json's preprocessing object (ModelFileReader).
    private static ImagePreprocessing ToPreprocessing(PreprocessingJson json) => new()
    {
        Color = json.Color switch
        {
            "grayscale" => ColorMode.Grayscale,
            "rgb" => ColorMode.Rgb,
            _ => throw new ArgumentException($"preprocessing.color is '{json.Color}'; expected 'grayscale' or 'rgb'."),
        },
        Width = json.Width,
        Height = json.Height,
        Invert = json.Invert,
        Mean = json.Mean,
        Std = json.Std,
    };
}
