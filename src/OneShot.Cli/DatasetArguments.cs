using System.CommandLine;
using OneShot.Data;
using OneShot.Evaluation;

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

    public Option<string?> Emoji { get; } = new("--emoji")
    {
        Description = "The two-artist emoji folder (classes.tsv, splits/, google-64.zip, twitter-64.zip): enroll Google's drawing, classify Twitter's (--split train|val|test|all).",
    };

    public Option<string?> FashionMnist { get; } = new("--fashion-mnist")
    {
        Description = "A Fashion-MNIST folder with t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (Debian: /usr/share/datasets/fashion-mnist).",
    };

    public Option<bool> WithinGroup { get; } = new("--within-group")
    {
        Description = "Draw every episode's classes from one group: one emoji subcategory (the harder protocol).",
    };

    public Option<string> QueryStyle { get; } = new("--query-style")
    {
        Description = "--emoji: redraw each query in a style no artist of the set uses (none, pixel, outline, grayscale), to test generalisation beyond Google vs Twitter.",
        DefaultValueFactory = _ => "none",
    };

    public Option<bool> SameDrawing { get; } = new("--same-drawing")
    {
        Description = "--emoji with --query-style: the query is the support's own (Google) drawing in that style, so only the style differs.",
    };

    public Option<bool> InvertImages { get; } = new("--invert-images")
    {
        Description = "--fashion-mnist: invert the pictures to dark-on-light before the model's preprocessing.",
    };

    public Option<int?> MaxPerClass { get; } = new("--max-per-class")
    {
        Description = "--fashion-mnist: keep the first N pictures of each class (bounds memory and embedding time at large input sizes).",
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
        command.Options.Add(Emoji);
        command.Options.Add(FashionMnist);
        command.Options.Add(WithinGroup);
        command.Options.Add(QueryStyle);
        command.Options.Add(SameDrawing);
        command.Options.Add(InvertImages);
        command.Options.Add(MaxPerClass);
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
        string? emoji = result.GetValue(Emoji);
        string? fashion = result.GetValue(FashionMnist);
        if (new[] { omniglot, data, emoji, fashion }.Count(v => v is not null) != 1)
        {
            throw new ArgumentException("Give exactly one of --omniglot DIR, --data DIR, --emoji DIR or --fashion-mnist DIR.");
        }

        if (emoji is null && (result.GetValue(SameDrawing) || result.GetValue(QueryStyle) is not (null or "none")))
        {
            throw new ArgumentException("--query-style and --same-drawing need --emoji.");
        }

        if (result.GetValue(WithinGroup) && emoji is null)
        {
            throw new ArgumentException("--within-group needs --emoji (its subcategories are the groups).");
        }

        if (emoji is not null)
        {
            var emojiSplit = split.ToLowerInvariant() switch
            {
                "train" => EmojiSplit.Train,
                "val" => EmojiSplit.Val,
                "test" => EmojiSplit.Test,
                "all" => EmojiSplit.All,
                _ => throw new ArgumentException($"--split: unknown emoji split '{split}'; expected train, val, test or all."),
            };
            var emojiSet = EmojiDataset.Open(emoji, new EmojiOptions { Split = emojiSplit, Preprocessing = preprocessing });
            string style = result.GetValue(QueryStyle) ?? "none";
            if (!StyledQueries.Styles.Contains(style))
            {
                emojiSet.Dispose();
                throw new ArgumentException($"--query-style must be one of {string.Join(", ", StyledQueries.Styles)}; got '{style}'.");
            }

            return style == "none" && !result.GetValue(SameDrawing)
                ? (emojiSet, "emoji")
                : (new StyledQueries(emojiSet, style, result.GetValue(SameDrawing)), $"emoji (queries: {(result.GetValue(SameDrawing) ? "Google" : "Twitter")} drawing, style {style})");
        }

        if (fashion is not null)
        {
            return (IdxDataset.Open(
                Path.Combine(fashion, "t10k-images-idx3-ubyte.gz"),
                Path.Combine(fashion, "t10k-labels-idx1-ubyte.gz"),
                preprocessing,
                IdxDataset.FashionMnistClassNames,
                result.GetValue(MaxPerClass),
                result.GetValue(InvertImages)), "fashion-mnist");
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

    /// <summary>The episode protocol the dataset asks for: the two-artist item pools of the emoji set, and its groups with --within-group.</summary>
    public EpisodeEvaluationOptions Protocol(ParseResult result, IClassDataset dataset, EpisodeEvaluationOptions options) => (dataset as EmojiDataset ?? (dataset as StyledQueries)?.Inner as EmojiDataset) is { } emoji
        ? options with
        {
            SupportItems = [0],
            QueryItems = [1],
            ClassGroups = result.GetValue(WithinGroup) ? emoji.ClassGroups : null,
        }
        : options;

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
