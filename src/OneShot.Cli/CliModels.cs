using OneShot.Embeddings;
using OneShot.Onnx;
using OneShot.Serialization;
using OneShot.Transfer;

namespace OneShot.Cli;

/// <summary>Loads what <c>--model</c> names: a model folder (TorchSharp) or an <c>.onnx</c> file with its sidecar (ONNX Runtime).</summary>
internal static class CliModels
{
    /// <summary>Whether <paramref name="path"/> names an ONNX model rather than a model folder.</summary>
    public static bool IsOnnx(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && !Directory.Exists(path);

    /// <summary>Where pretrained models named on the command line (<c>imagenet-resnet18</c>) are built and kept.</summary>
    public static string PretrainedCache => PretrainedModels.DefaultCacheFolder;

    /// <summary>
    /// Loads the embedder at <paramref name="path"/>: a model folder, a projection folder (with its base), an
    /// <c>.onnx</c> file, or the name <c>imagenet-resnet18</c> when no such folder exists (built once in
    /// <see cref="PretrainedCache"/> from the NuGet package). The caller disposes it.
    /// </summary>
    /// <exception cref="ModelFormatException">The model is missing or invalid; the message names the file.</exception>
    public static IEmbedder Load(string path)
    {
        if (IsOnnx(path))
        {
            return OnnxEmbedder.Load(path);
        }

        if (ProjectedEmbedder.IsProjectionFolder(path))
        {
            return ProjectedEmbedder.Load(path, Load);
        }

        if (path == PretrainedModels.ImageNetResNet18Name && !Directory.Exists(path))
        {
            Console.Error.WriteLine($"note: {path} is the pretrained model in {Path.Combine(PretrainedCache, path)} (built from the NuGet package on first use; ONESHOT_MODELS moves it).");
            return PretrainedModels.ImageNetResNet18(PretrainedCache, new PretrainedModelOptions { Device = DeviceChoice.Cpu });
        }

        return ModelFile.Load(path);
    }
}
