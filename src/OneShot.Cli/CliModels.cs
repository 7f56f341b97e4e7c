using OneShot.Embeddings;
using OneShot.Onnx;
using OneShot.Serialization;

namespace OneShot.Cli;

/// <summary>Loads what <c>--model</c> names: a model folder (TorchSharp) or an <c>.onnx</c> file with its sidecar (ONNX Runtime).</summary>
internal static class CliModels
{
    /// <summary>Whether <paramref name="path"/> names an ONNX model rather than a model folder.</summary>
    public static bool IsOnnx(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && !Directory.Exists(path);

    /// <summary>Loads the embedder at <paramref name="path"/>; the caller disposes it.</summary>
    /// <exception cref="ModelFormatException">The model is missing or invalid; the message names the file.</exception>
    public static IEmbedder Load(string path) => IsOnnx(path) ? OnnxEmbedder.Load(path) : ModelFile.Load(path);
}
