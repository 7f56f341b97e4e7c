using System.CommandLine;
using OneShot.Data;

namespace OneShot.Cli;

/// <summary>The options that choose a dataset: <c>--omniglot DIR --split S</c> or <c>--data DIR</c>.</summary>
internal sealed class DatasetArguments
{
    public Option<string?> Omniglot { get; } = new("--omniglot")
    {
        Description = "Omniglot folder: images_background.zip/images_evaluation.zip (or the extracted folders) and splits/vinyals/*.txt.",
    };

    public Option<string?> Data { get; } = new("--data")
    {
        Description = "A class-folder dataset: one sub-folder of images per class.",
    };

    public Option<int> ImageSize { get; } = new("--image-size")
    {
        Description = "Input size in pixels (square).",
        DefaultValueFactory = _ => 28,
    };

    public Option<bool> Rotations { get; } = new("--rotations")
    {
        Description = "background/evaluation splits: add 90/180/270-degree rotations as classes.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Omniglot);
        command.Options.Add(Data);
        command.Options.Add(ImageSize);
        command.Options.Add(Rotations);
    }

    /// <summary>The preprocessing that matches the dataset's items, for a new embedder.</summary>
    public ImagePreprocessing Preprocessing(ParseResult result) => result.GetValue(Data) is not null
        ? new ImagePreprocessing { Width = result.GetValue(ImageSize), Height = result.GetValue(ImageSize) }
        : new ImagePreprocessing { Width = result.GetValue(ImageSize), Height = result.GetValue(ImageSize), Invert = true };

    /// <summary>Opens the dataset for <paramref name="split"/>; a class-folder dataset uses <paramref name="preprocessing"/>.</summary>
    public (IClassDataset Dataset, string Name) Open(ParseResult result, string split, ImagePreprocessing preprocessing)
    {
        string? omniglot = result.GetValue(Omniglot);
        string? data = result.GetValue(Data);
        if ((omniglot is null) == (data is null))
        {
            throw new ArgumentException("Give exactly one of --omniglot DIR or --data DIR.");
        }

        if (data is not null)
        {
            return (FolderDataset.Open(data, new FolderDatasetOptions { Preprocessing = preprocessing, CacheImages = true }), $"folder:{data}");
        }

        // Omniglot items are grayscale, square, scaled to [0, 1] and not normalised: they must match the embedder's input.
        if (preprocessing.Color != ColorMode.Grayscale || preprocessing.Width != preprocessing.Height
            || preprocessing.Mean.Any(m => m != 0f) || preprocessing.Std.Any(v => v != 1f))
        {
            throw new ArgumentException(
                $"--omniglot: Omniglot gives square grayscale images in [0, 1]; this model expects {preprocessing.ToCanonicalString()}.");
        }

        var options = new OmniglotOptions
        {
            Split = ParseSplit(split),
            ImageSize = preprocessing.Width,
            Invert = preprocessing.Invert,
            IncludeRotations = result.GetValue(Rotations),
        };
        return (OmniglotDataset.Open(omniglot!, options), "omniglot");
    }

    public static OmniglotSplit ParseSplit(string split) => split.ToLowerInvariant() switch
    {
        "train" => OmniglotSplit.Train,
        "val" => OmniglotSplit.Val,
        "test" => OmniglotSplit.Test,
        "trainval" => OmniglotSplit.TrainVal,
        "background" => OmniglotSplit.Background,
        "evaluation" => OmniglotSplit.Evaluation,
        _ => throw new ArgumentException($"--split: unknown split '{split}'; expected train, val, test, trainval, background or evaluation."),
    };
}
