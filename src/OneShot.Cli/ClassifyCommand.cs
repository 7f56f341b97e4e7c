using System.CommandLine;
using System.Text.Json.Nodes;
using OneShot.Classification;
using OneShot.Data;
using OneShot.Galleries;
using OneShot.Transfer;

namespace OneShot.Cli;

/// <summary>
/// <c>oneshot classify GALLERY PATHS [--top K] [--threshold T] [--classifier NAME ...]</c>: predict a label for each image,
/// with the classifier saved in the gallery unless <c>--classifier</c> (and its options) choose another.
/// </summary>
internal static class ClassifyCommand
{
    private const int Batch = 64;

    public static Command Create()
    {
        var gallery = new Argument<string>("gallery") { Description = "The gallery file made by 'oneshot enroll'." };
        var paths = new Argument<string[]>("paths") { Description = "Image files or folders (searched recursively).", Arity = ArgumentArity.OneOrMore };
        var model = GalleryModel.CreateOption();
        var top = new Option<int>("--top") { Description = "Also list the K best labels of each image.", DefaultValueFactory = _ => 1 };
        var threshold = new Option<double?>("--threshold") { Description = "Open set: an image whose best score is worse than this is 'unknown' (a distance or -log p above it, a pair probability below it)." };
        var classifierArguments = new ClassifierArguments();
        var limits = new ImageLimitOptions();
        var skipBad = new Option<bool>("--skip-bad") { Description = "Skip images that cannot be read (with a warning) instead of failing." };
        var sheet = new Option<string?>("--sheet") { Description = "Also draw the images with their predicted labels (framed right/wrong by folder name) to this PNG file." };
        var output = new OutputOptions();

        var command = new Command("classify", "Predict the label of each image from a gallery's enrolled examples.");
        command.Arguments.Add(gallery);
        command.Arguments.Add(paths);
        foreach (var option in new Option[] { model, top, threshold, skipBad, sheet })
        {
            command.Options.Add(option);
        }

        classifierArguments.AddTo(command);
        limits.AddTo(command);
        output.AddTo(command);
        command.SetAction(result => ExitCodes.Run(() =>
        {
            var format = output.Resolve(result);
            int k = result.GetValue(top);
            if (k < 1)
            {
                throw new ArgumentException($"--top must be at least 1; got {k}.");
            }

            double? limit = result.GetValue(threshold);
            if (limit is < 0 || (limit is { } l && !double.IsFinite(l)))
            {
                throw new ArgumentException($"--threshold must be a finite score >= 0; got {limit}.");
            }

            string? sheetPath = result.GetValue(sheet);
            if (sheetPath is not null)
            {
                ContactSheet.CheckPath(sheetPath);
            }

            var files = ImageInputs.Files(result.GetValue(paths)!);
            string galleryPath = result.GetValue(gallery)!;
            if (!File.Exists(galleryPath))
            {
                throw new FileNotFoundException($"The gallery file '{galleryPath}' does not exist; create it with 'oneshot enroll'.", galleryPath);
            }

            var file = SavedGallery.Read(galleryPath);
            var info = file.Info;
            var saved = info.Classifier ?? new PrototypeClassifierOptions();
            var classifier = classifierArguments.Resolve(
                result,
                saved,
                result.GetValue(model),
                "a gallery holds embeddings, not images; fine-tune with the FineTuner API and classify with the FineTunedClassifier it returns.",
                GalleryModel.RecordedAugmentation(info, galleryPath)?.ToString())
                with { TopK = k, UnknownThreshold = limit };
            var (embedder, loaded) = GalleryModel.Load(galleryPath, result.GetValue(model), new GalleryOptions { Classifier = classifier }, file);
            using (embedder)
            using (loaded)
            {
                if (loaded.Count == 0)
                {
                    throw new InvalidOperationException($"The gallery '{galleryPath}' is empty; enroll images first.");
                }

                var loader = new ImageLoader(limits.Apply(result, embedder.Preprocessing));
                var classified = new List<(string File, Prediction Prediction)>();
                var table = new ResultTable("file", "label", "score", "score-kind", "probability", "unknown", "top");
                // Decoded and classified a chunk at a time, so memory does not grow with the number of files.
                ConsoleProgress.Run("classifying", files.Count, report =>
                {
                    for (int start = 0; start < files.Count; start += Batch)
                    {
                        var chunkFiles = files.Skip(start).Take(Batch).ToList();
                        var chunk = ImageBatches.Decode(loader, chunkFiles, result.GetValue(skipBad), _ => { });
                        if (chunk.Count > 0)
                        {
                            using var images = ImageBatches.Stack(embedder.Preprocessing, [.. chunk.Select(c => c.Pixels)]);
                            var predictions = loaded.ClassifyBatch(images);
                            for (int i = 0; i < chunk.Count; i++)
                            {
                                Add(table, chunk[i].File, predictions[i], format);
                                classified.Add((chunk[i].File, predictions[i]));
                            }
                        }

                        report(start + chunkFiles.Count);
                    }

                    return 0;
                });
                table.Write(Console.Out, format);
                if (sheetPath is not null)
                {
                    int drawn = ContactSheetClassification.Save(sheetPath, galleryPath, loaded.Labels, classified);
                    Console.Error.WriteLine($"sheet: drew {drawn} of {classified.Count} images to {sheetPath}");
                }
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static void Add(ResultTable table, string file, Prediction p, OutputFormat format)
    {
        object top = format == OutputFormat.Json
            ? new JsonArray([.. p.TopK.Select(s => (JsonNode)new JsonObject { ["label"] = s.Label, ["score"] = s.Score, ["probability"] = s.Probability })])
            : string.Join(' ', p.TopK.Select(s => $"{s.Label}:{s.Probability:0.###}"));
        table.Add(file, p.Label, p.Score, ScoreKindName(p.ScoreKind), p.Probability, p.IsUnknown, top);
    }

    private static string ScoreKindName(ScoreKind kind) => kind switch
    {
        ScoreKind.Distance => "distance",
        ScoreKind.NegativeLogLikelihood => "neg-log-likelihood",
        _ => "pair-probability",
    };
}
