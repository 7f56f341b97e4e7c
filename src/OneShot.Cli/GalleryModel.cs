using System.CommandLine;
using OneShot.Embeddings;
using OneShot.Galleries;
using OneShot.Serialization;

namespace OneShot.Cli;

/// <summary>Finds the model of a gallery: <c>--model</c>, or the model folder the gallery recorded when it was enrolled.</summary>
internal static class GalleryModel
{
    /// <summary>The gallery property holding the full path of the model folder.</summary>
    public const string PropertyName = "model";

    /// <summary>The test-time augmentation the gallery <paramref name="info"/> describes was enrolled with, or null (none, or no gallery yet).</summary>
    /// <exception cref="ArgumentException">The recorded value is not a preset's name; the message names the gallery.</exception>
    public static TestTimeAugmentation? RecordedAugmentation(GalleryInfo? info, string galleryPath) =>
        info is null ? null : TestTimeAugmentation.FromGalleryProperties(info.Properties, galleryPath);

    public static Option<string?> CreateOption() => new("--model")
    {
        Description = "Model folder (model.json + weights-*.bin) or an .onnx file with its sidecar; default: the model the gallery was enrolled with.",
    };

    /// <summary>
    /// Loads the model for <paramref name="galleryPath"/> (averaged over the test-time augmentation the gallery was
    /// enrolled with, if any), then the gallery itself. <paramref name="saved"/> is the file when the caller has read it
    /// already (it is read once either way).
    /// </summary>
    public static (IEmbedder Embedder, Gallery Gallery) Load(string galleryPath, string? modelDir, GalleryOptions? options = null, SavedGallery? saved = null)
    {
        if (!File.Exists(galleryPath))
        {
            throw new FileNotFoundException($"The gallery file '{galleryPath}' does not exist; create it with 'oneshot enroll'.", galleryPath);
        }

        saved ??= SavedGallery.Read(galleryPath);
        var info = saved.Info;
        string model = modelDir
            ?? (info.Properties.TryGetValue(PropertyName, out string? recorded) ? recorded
                : throw new ArgumentException($"The gallery '{galleryPath}' does not record its model; give --model DIR."));
        var augmentation = RecordedAugmentation(info, galleryPath);
        if (modelDir is null && !Directory.Exists(model) && !File.Exists(model))
        {
            throw new DirectoryNotFoundException(
                $"The gallery '{galleryPath}' was enrolled with the model folder '{model}', which no longer exists (moved or deleted); give the model with --model DIR.");
        }

        var embedder = CliModels.Load(model, augmentation);
        try
        {
            return (embedder, saved.Open(embedder, options));
        }
        catch
        {
            embedder.Dispose();
            throw;
        }
    }
}
