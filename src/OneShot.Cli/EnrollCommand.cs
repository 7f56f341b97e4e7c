using System.CommandLine;
using OneShot.Classification;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Galleries;
using OneShot.Transfer;

namespace OneShot.Cli;

/// <summary>
/// <c>oneshot enroll GALLERY PATHS --model M [--label L] [--classifier NAME ...]</c>: add labelled example images to a
/// gallery file; the classifier options are saved with it (an existing gallery keeps its own unless they are given).
/// </summary>
internal static class EnrollCommand
{
    private const int Batch = 64;

    public static Command Create()
    {
        var gallery = new Argument<string>("gallery") { Description = "The gallery file; created when missing." };
        var paths = new Argument<string[]>("paths") { Description = "Image files or folders; without --label, class-folder trees (one sub-folder per class).", Arity = ArgumentArity.OneOrMore };
        var model = GalleryModel.CreateOption();
        var label = new Option<string?>("--label") { Description = "The label of every image given; without it, sub-folder names are the labels." };
        var skipBad = new Option<bool>("--skip-bad") { Description = "Skip images that cannot be read (with a warning) instead of failing." };
        var output = new OutputOptions();
        var classifierArguments = new ClassifierArguments();
        var limits = new ImageLimitOptions();
        var tta = CliModels.TestTimeAugmentationOption();
        tta.Description = "Test-time augmentation of a new gallery (recorded in it; later enroll and classify calls use it): none (default), shifts4 (5 passes per image) or shifts8 (9 passes).";

        var command = new Command("enroll", "Add example images of classes to a gallery (created when missing, saved atomically).");
        command.Arguments.Add(gallery);
        command.Arguments.Add(paths);
        command.Options.Add(model);
        command.Options.Add(label);
        command.Options.Add(skipBad);
        command.Options.Add(tta);
        classifierArguments.AddTo(command);
        limits.AddTo(command);
        output.AddTo(command);

        command.SetAction(result => ExitCodes.Run(() =>
        {
            var format = output.Resolve(result);
            string galleryPath = result.GetValue(gallery)!;
            string? labelValue = result.GetValue(label);
            var inputs = labelValue is null
                ? ImageInputs.ClassFolders(result.GetValue(paths)!)
                : [.. ImageInputs.Files(result.GetValue(paths)!).Select(f => (labelValue, f))];
            // The gallery's views are fixed when it is created: embeddings of other views would not be comparable.
            var file = File.Exists(galleryPath) ? SavedGallery.Read(galleryPath) : null;
            var info = file?.Info;
            var recorded = GalleryModel.RecordedAugmentation(info, galleryPath);
            var augmentation = result.GetValue(tta) is { } given ? CliModels.ParseTestTimeAugmentation(given) : recorded;
            string? views = augmentation?.ToString(), recordedViews = recorded?.ToString();
            if (info is not null && views != recordedViews)
            {
                throw new ArgumentException(
                    $"--tta {views ?? "none"}: the gallery '{galleryPath}' was enrolled with {recordedViews ?? "none"}, and embeddings of other views cannot be mixed with its own; enroll into a new gallery.");
            }

            GalleryOptions? options = null;
            if (classifierArguments.AnyGiven(result) || (!File.Exists(galleryPath) && result.GetValue(model) is { } m && Evaluation.ModelCalibration.Load(m) is not null))
            {
                var saved = info?.Classifier;
                options = new GalleryOptions
                {
                    Classifier = classifierArguments.Resolve(
                        result,
                        saved ?? new PrototypeClassifierOptions(),
                        result.GetValue(model),
                        "a gallery holds embeddings, not images; fine-tune with the FineTuner API.",
                        views),
                };
            }

            var (embedder, target, modelDir) = Open(galleryPath, file, result.GetValue(model), options, augmentation);
            using (embedder)
            using (target)
            {
                var loader = new ImageLoader(limits.Apply(result, embedder.Preprocessing));
                var files = inputs.Select(i => i.File).ToList();
                var labelOf = inputs.GroupBy(i => i.File).ToDictionary(g => g.Key, g => g.First().Label, StringComparer.Ordinal);
                var before = target.Counts;
                // Decoded and embedded a chunk at a time, so memory does not grow with the number of files.
                ConsoleProgress.Run("enrolling", files.Count, report =>
                {
                    for (int start = 0; start < files.Count; start += Batch)
                    {
                        var chunkFiles = files.GetRange(start, Math.Min(Batch, files.Count - start));
                        var chunk = ImageBatches.Decode(loader, chunkFiles, result.GetValue(skipBad), _ => { });
                        foreach (var group in chunk.GroupBy(d => labelOf[d.File]))
                        {
                            using var images = ImageBatches.Stack(embedder.Preprocessing, [.. group.Select(g => g.Pixels)]);
                            target.Enroll(group.Key, images);
                        }

                        report(start + chunkFiles.Count);
                    }

                    return 0;
                });
                target.SetProperty(GalleryModel.PropertyName, modelDir);
                if (views is not null)
                {
                    target.SetProperty(TestTimeAugmentation.GalleryPropertyName, views);
                }

                target.Save(galleryPath);

                var table = new ResultTable("label", "added", "total");
                foreach (var (l, total) in target.Counts)
                {
                    int added = total - before.GetValueOrDefault(l);
                    if (added > 0)
                    {
                        table.Add(l, added, total);
                    }
                }

                table.Write(Console.Out, format);
                if (format == OutputFormat.Table)
                {
                    Console.WriteLine($"{galleryPath}: {target.Count} images in {target.Labels.Count} classes.");
                }
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static (IEmbedder Embedder, Gallery Gallery, string ModelDir) Open(string galleryPath, SavedGallery? saved, string? modelDir, GalleryOptions? options, TestTimeAugmentation? augmentation)
    {
        if (saved is not null)
        {
            var (embedder, existing) = GalleryModel.Load(galleryPath, modelDir, options, saved);
            string recorded = existing.Properties.GetValueOrDefault(GalleryModel.PropertyName) ?? Path.GetFullPath(modelDir!);
            return (embedder, existing, modelDir is null ? recorded : Path.GetFullPath(modelDir));
        }

        if (modelDir is null)
        {
            throw new ArgumentException($"The gallery '{galleryPath}' does not exist yet; give --model DIR to create it.");
        }

        var created = CliModels.Load(modelDir, augmentation);
        return (created, new Gallery(created, options), Path.GetFullPath(modelDir));
    }
}
