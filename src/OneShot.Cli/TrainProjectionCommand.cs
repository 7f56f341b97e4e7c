using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Transfer;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Cli;

/// <summary>
/// <c>oneshot train-projection --base MODEL (--emoji DIR | --data DIR) --out DIR</c>: transfer + metric learning on a
/// frozen pretrained embedder. Embeds the training classes once (plus augmented copies), trains a linear projection with
/// episodic B-way 1-shot episodes on those cached embeddings, keeps the epoch with the best validation rank-1 and writes a
/// projection folder that references the base instead of copying it.
/// </summary>
internal static class TrainProjectionCommand
{
    public static Command Create()
    {
        var data = new DatasetArguments();
        var baseModel = new Option<string>("--base") { Description = $"The frozen embedder: a model folder, an .onnx file with its sidecar, or '{PretrainedModels.ImageNetResNet18Name}'.", Required = true };
        var split = new Option<string>("--split") { Description = "Training classes: train (emoji), or all classes of --data.", DefaultValueFactory = _ => "train" };
        var valSplit = new Option<string?>("--val-split") { Description = "Validation classes for choosing the epoch (default: val with --emoji; none with --data)." };
        var augment = new Option<int>("--augment") { Description = "Augmented copies of every training image (affine + colour/contrast/grayscale/blur, imitating a change of artist).", DefaultValueFactory = _ => 3 };
        var size = new Option<int?>("--size") { Description = "Output embedding length (default: the base's)." };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training classes.", DefaultValueFactory = _ => 60 };
        var batch = new Option<int>("--batch") { Description = "Classes per episode (B-way 1-shot, both directions).", DefaultValueFactory = _ => 256 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "Adam L2 weight decay (pulls the projection towards the identity it starts from).", DefaultValueFactory = _ => 1e-2 };
        var tuneBlocks = new Option<int>("--tune-blocks") { Description = "Also fine-tune this many of the last ResNet-18 blocks of the pooled stage (layer4, or the one stage --pooling names, e.g. layer3:4) (0: projection only); the lower network is run once per image and cached.", DefaultValueFactory = _ => 0 };
        var tailLr = new Option<double>("--tail-lr") { Description = "Adam learning rate of the tuned blocks.", DefaultValueFactory = _ => 1e-4 };
        var tailWeightDecay = new Option<double>("--tail-weight-decay") { Description = "Adam L2 weight decay of the tuned blocks.", DefaultValueFactory = _ => 0 };
        var center = new Option<bool>("--center") { Description = "Subtract the training embeddings' mean before projecting (stored with the projection; a shorter --size then starts at the principal directions of the centred embeddings). Not with --tune-blocks." };
        var contentCrop = BackboneArguments.ContentCropOption("with the projection");
        var pooling = new Option<string?>("--pooling") { Description = "Re-pool a ResNet-18 base first, e.g. layer3:4 or layer3:3,layer4:2 (stage:grid, as import-onnx --pooling); stored with the projection, so a base named imagenet-resnet18 stays a name." };
        var seed = new Option<int>("--seed") { Description = "Random seed (augmentation and episodes).", DefaultValueFactory = _ => 1 };
        var cache = new Option<string?>("--features-cache") { Description = "Folder to keep the embedded training images in (keyed by base, data, split, augmentation and seed) so later runs skip embedding." };
        var output = new Option<string>("--out") { Description = "The projection folder to write (projection.json + matrix).", Required = true };
        var command = new Command("train-projection", "Transfer + metric learning: train a linear projection of a frozen pretrained embedder with episodes on cached embeddings.");
        data.AddTo(command);
        foreach (var option in new Option[] { baseModel, split, valSplit, augment, size, epochs, batch, lr, weightDecay, tuneBlocks, tailLr, tailWeightDecay, center, pooling, contentCrop, seed, cache, output })
        {
            command.Options.Add(option);
        }

        command.SetAction(result => ExitCodes.Run(() =>
        {
            string outDir = result.GetValue(output)!;
            if (File.Exists(Path.Combine(outDir, ModelFile.MetadataFileName)) || ProjectedEmbedder.IsProjectionFolder(outDir))
            {
                throw new ArgumentException($"--out: '{outDir}' already holds a model; choose another folder (nothing was overwritten).");
            }

            int copies = result.GetValue(augment);
            if (copies is < 0 or > 32)
            {
                throw new ArgumentException($"--augment must be 0..32; got {copies}.");
            }

            int tail = result.GetValue(tuneBlocks);
            if (tail < 0)
            {
                throw new ArgumentException($"--tune-blocks must be 0 or more; got {tail}.");
            }

            bool centred = result.GetValue(center);
            if (centred && tail > 0)
            {
                throw new ArgumentException("--center needs fixed base embeddings; --tune-blocks changes them as it trains. Give one of the two.");
            }

            string baseArgument = result.GetValue(baseModel)!;
            string? poolingText = result.GetValue(pooling);
            float? margin = BackboneArguments.ParseContentCrop(result.GetValue(contentCrop));

            using var embedder = LoadBase(baseArgument, poolingText, margin);
            Func<Tensor, Tensor> features = images => embedder.Embed(images);
            long[] rowShape = [embedder.EmbeddingSize];
            if (tail > 0)
            {
                if (embedder is not Embedder { Network: ResNet18 } network)
                {
                    throw new ArgumentException($"--tune-blocks needs a ResNet-18 base; '{baseArgument}' is {embedder.Architecture}.");
                }

                using var probe = zeros([1, network.Preprocessing.Channels, network.Preprocessing.Height, network.Preprocessing.Width]);
                using var map = TunedTailTrainer.HeadFeatures(network, probe, tail);
                rowShape = map.shape.Skip(1).ToArray();
                features = images => TunedTailTrainer.HeadFeatures(network, images, tail);
            }

            string splitName = result.GetValue(split)!;
            bool emoji = result.GetValue(data.Emoji) is not null;
            string? valName = result.GetValue(valSplit) ?? (emoji ? "val" : null);
            int seedValue = result.GetValue(seed);

            var (trainingRows, classes, trainClasses) = TrainingFeatures(result, data, embedder, features, rowShape, tail, splitName, copies, seedValue, result.GetValue(cache));
            (Tensor, Tensor)? validation = null;
            if (valName is not null)
            {
                var (support, query) = ValidationPairs(result, data, embedder, features, valName);
                validation = (support, query);
            }

            var options = new ProjectionTrainingOptions
            {
                OutputSize = result.GetValue(size),
                Epochs = result.GetValue(epochs),
                ClassesPerEpisode = result.GetValue(batch),
                LearningRate = result.GetValue(lr),
                WeightDecay = result.GetValue(weightDecay),
                Seed = seedValue,
                Center = centred,
                TailLearningRate = result.GetValue(tailLr),
                TailWeightDecay = result.GetValue(tailWeightDecay),
            };
            var report = new InlineProgress<ProjectionValidation>(v =>
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {v.Epoch,3}: loss {v.Loss:F4}, validation rank-1 {v.ValidationRank1:P2}")));
            var trained = tail > 0
                ? TunedTailTrainer.Train((Embedder)embedder, tail, trainingRows, classes, options, validation, report)
                : ProjectionTrainer.Train(trainingRows, classes, options, validation, report);
            trainingRows.Dispose();
            if (validation is { } pair)
            {
                pair.Item1.Dispose();
                pair.Item2.Dispose();
            }

            using var projected = ProjectedEmbedder.Create(embedder, trained);
            string reference = baseArgument == PretrainedModels.ImageNetResNet18Name && !Directory.Exists(baseArgument)
                ? baseArgument
                : Path.GetRelativePath(Path.GetFullPath(outDir), Path.GetFullPath(baseArgument));
            var first = trained.History.FirstOrDefault();
            var chosen = trained.History.FirstOrDefault(h => h.Epoch == trained.BestEpoch);
            var info = new Dictionary<string, string>
            {
                ["base"] = reference,
                ["data"] = emoji ? "emoji (Google and Twitter drawings)" : result.GetValue(data.Data) ?? "dataset",
                ["split"] = splitName,
                ["trainingClasses"] = trainClasses.ToString(CultureInfo.InvariantCulture),
                ["augmentedCopies"] = copies.ToString(CultureInfo.InvariantCulture),
                ["epochs"] = options.Epochs.ToString(CultureInfo.InvariantCulture),
                ["chosenEpoch"] = trained.BestEpoch.ToString(CultureInfo.InvariantCulture),
                ["classesPerEpisode"] = options.ClassesPerEpisode.ToString(CultureInfo.InvariantCulture),
                ["learningRate"] = options.LearningRate.ToString("G4", CultureInfo.InvariantCulture),
                ["weightDecay"] = options.WeightDecay.ToString("G4", CultureInfo.InvariantCulture),
                ["tunedBlocks"] = tail.ToString(CultureInfo.InvariantCulture),
                ["seed"] = seedValue.ToString(CultureInfo.InvariantCulture),
                ["trainingSeconds"] = trained.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture),
            };
            if (first is not null && chosen is not null)
            {
                info["validationRank1"] = string.Create(CultureInfo.InvariantCulture, $"{chosen.ValidationRank1:F4} (base alone {first.ValidationRank1:F4}, split {valName})");
            }

            if (centred)
            {
                info["centred"] = "true";
            }

            if (poolingText is not null)
            {
                info["basePooling"] = poolingText;
            }

            if (margin is not null)
            {
                info["contentCropMargin"] = margin.Value.ToString("R", CultureInfo.InvariantCulture);
            }

            if (tail > 0)
            {
                info["tailLearningRate"] = options.TailLearningRate.ToString("G4", CultureInfo.InvariantCulture);
                info["tailWeightDecay"] = options.TailWeightDecay.ToString("G4", CultureInfo.InvariantCulture);
            }

            string what = tail > 0
                ? $"The last {(tail == 1 ? "block" : $"{tail} blocks")} of {embedder.Architecture}'s {(poolingText is null ? "layer4" : $"pooled stage ({poolingText})")} fine-tuned with a linear projection ({trained.InputSize} -> {trained.OutputSize}, L2-normalised){(margin is null ? "" : " on images cut to their content")} by episodic metric learning on cached feature maps."
                : $"A linear projection ({trained.InputSize} -> {trained.OutputSize}, L2-normalised) of {embedder.Architecture}{(poolingText is null ? "" : $" pooled {poolingText}")}{(margin is null ? "" : " on images cut to their content")}{(centred ? ", centred on the training mean," : "")} trained with episodic metric learning on cached embeddings.";
            projected.Save(outDir, reference, what, info);
            Console.WriteLine(chosen is null
                ? $"Saved projection {trained.InputSize} -> {trained.OutputSize} to {outDir} ({trained.Elapsed.TotalSeconds:F0} s of training)."
                : string.Create(CultureInfo.InvariantCulture, $"Saved projection {trained.InputSize} -> {trained.OutputSize} to {outDir}: epoch {trained.BestEpoch}, validation rank-1 {chosen.ValidationRank1:P2} (base alone {first!.ValidationRank1:P2}); {trained.Elapsed.TotalSeconds:F0} s of training."));
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>
    /// The base embedder, re-pooled when <paramref name="pooling"/> is given (a ResNet-18 only) and cutting images to
    /// their content when <paramref name="contentCrop"/> is given (a TorchSharp model only).
    /// </summary>
    private static IEmbedder LoadBase(string baseArgument, string? pooling, float? contentCrop)
    {
        var parsed = BackboneArguments.ParsePooling(pooling);
        var embedder = CliModels.Load(baseArgument);
        if (parsed is not null)
        {
            embedder = Replace(embedder, e => e is Embedder { Options.Backbone: ResNet18Options } network
                ? PretrainedModels.WithPooling(network, parsed)
                : throw new ArgumentException($"--pooling re-pools a ResNet-18; '{baseArgument}' is {e.Architecture}."));
        }

        if (contentCrop is { } margin)
        {
            embedder = Replace(embedder, e => e is Embedder network
                ? PretrainedModels.WithContentCrop(network, margin)
                : throw new ArgumentException($"--content-crop changes a TorchSharp model's preprocessing; '{baseArgument}' is an {e.GetType().Name}."));
        }

        return embedder;

        static IEmbedder Replace(IEmbedder old, Func<IEmbedder, IEmbedder> rebuild)
        {
            using (old)
            {
                return rebuild(old);
            }
        }
    }

    /// <summary>Every image of every training class (and its augmented copies) embedded once; rows grouped by class.</summary>
    private static (Tensor Features, int[] Classes, int ClassCount) TrainingFeatures(
        ParseResult result, DatasetArguments data, IEmbedder embedder, Func<Tensor, Tensor> features, long[] rowShape, int tail, string split, int copies, int seed, string? cacheFolder)
    {
        var (dataset, name) = data.Open(result, split, embedder.Preprocessing);
        try
        {
            int classCount = dataset.Classes.Count;
            var counts = Enumerable.Range(0, classCount).Select(dataset.CountOf).ToArray();
            string? cachePath = null;
            if (cacheFolder is not null)
            {
                string key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
                    $"{embedder.GetFingerprint()}|{name}|{split}|{string.Join(',', dataset.Classes)}|{copies}|{seed}" + (tail > 0 ? $"|tail {tail}" : ""))))[..16];
                Directory.CreateDirectory(cacheFolder);
                cachePath = Path.Combine(cacheFolder, $"features-{key}.f32");
            }

            var classes = new List<int>();
            for (int c = 0; c < classCount; c++)
            {
                classes.AddRange(Enumerable.Repeat(c, counts[c] * (1 + copies)));
            }

            long rowLength = rowShape.Aggregate(1L, (a, b) => a * b);
            long expected = classes.Count * rowLength;
            if (expected > Array.MaxLength)
            {
                throw new ArgumentException($"{classes.Count:N0} training images of {rowLength:N0} values each do not fit one array; lower --augment or --tune-blocks.");
            }

            long[] shape = [classes.Count, .. rowShape];
            if (cachePath is not null && File.Exists(cachePath) && new FileInfo(cachePath).Length == expected * 4)
            {
                var cached = new float[expected];
                using (var stream = File.OpenRead(cachePath))
                {
                    stream.ReadExactly(MemoryMarshal.AsBytes(cached.AsSpan()));
                }

                Console.Error.WriteLine($"features: {classes.Count:N0} rows from {cachePath}");
                return (tensor(cached, shape), classes.ToArray(), classCount);
            }

            var rows = new float[expected];
            var clock = System.Diagnostics.Stopwatch.StartNew();
            long written = 0;
            using var generator = new Generator((ulong)seed);
            var affine = new AffineAugmentationOptions { RotationDegrees = 12, ShearDegrees = 6, ScaleMin = 0.85, ScaleMax = 1.1, TranslateFraction = 0.06 };
            ConsoleProgress.Run("embedding", classCount, (Action<int> report) =>
            {
                for (int c = 0; c < classCount; c++)
                {
                    using var scope = NewDisposeScope();
                    var images = dataset.Load(c, Enumerable.Range(0, counts[c]).ToArray());
                    var batches = new List<Tensor> { images };
                    for (int k = 0; k < copies; k++)
                    {
                        batches.Add(ArtistAugmentation.Apply(images, affine, generator));
                    }

                    var embedded = features(cat(batches, 0)).to(ScalarType.Float32).contiguous().data<float>().ToArray();
                    embedded.CopyTo(rows, written);
                    written += embedded.Length;
                    report(c + 1);
                    if (!ConsoleProgress.IsInteractive && (c + 1) % Math.Max(1, classCount / 10) == 0)
                    {
                        Console.Error.WriteLine($"embedding: {c + 1:N0} of {classCount:N0} classes ({clock.Elapsed.TotalSeconds:F0} s)");
                    }
                }

                return 0;
            });
            if (cachePath is not null)
            {
                using var stream = File.Create(cachePath + ".part");
                stream.Write(MemoryMarshal.AsBytes(rows.AsSpan()));
                stream.Close();
                File.Move(cachePath + ".part", cachePath, overwrite: true);
            }

            return (tensor(rows, shape), classes.ToArray(), classCount);
        }
        finally
        {
            (dataset as IDisposable)?.Dispose();
        }
    }

    /// <summary>Validation pairs: each class's first image as the support, its second as the query (Google, Twitter for emoji).</summary>
    private static (Tensor Support, Tensor Query) ValidationPairs(ParseResult result, DatasetArguments data, IEmbedder embedder, Func<Tensor, Tensor> features, string split)
    {
        var (dataset, _) = data.Open(result, split, embedder.Preprocessing);
        try
        {
            var usable = Enumerable.Range(0, dataset.Classes.Count).Where(c => dataset.CountOf(c) >= 2).ToArray();
            if (usable.Length < 2)
            {
                throw new ArgumentException($"--val-split {split}: fewer than two classes have two images.");
            }

            using var scope = NewDisposeScope();
            var support = new List<Tensor>();
            var query = new List<Tensor>();
            ConsoleProgress.Run("validation", usable.Length, (Action<int> report) =>
            {
                for (int i = 0; i < usable.Length; i += 32)
                {
                    var chunk = usable.Skip(i).Take(32).ToArray();
                    var images = cat(chunk.Select(c => dataset.Load(c, [0, 1])).ToArray(), 0);
                    var e = features(images);
                    var pairs = e.view([chunk.Length, 2, .. e.shape.Skip(1)]);
                    support.Add(pairs.select(1, 0));
                    query.Add(pairs.select(1, 1));
                    report(Math.Min(usable.Length, i + 32));
                }

                return 0;
            });
            return (cat(support, 0).contiguous().MoveToOuterDisposeScope(), cat(query, 0).contiguous().MoveToOuterDisposeScope());
        }
        finally
        {
            (dataset as IDisposable)?.Dispose();
        }
    }
}
