using System.CommandLine;
using System.Globalization;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Verification;
using TorchSharp;

namespace OneShot.Cli;

/// <summary><c>oneshot train-siamese</c>: train a Siamese verifier on same/different pairs and calibrate its threshold.</summary>
internal static class TrainSiameseCommand
{
    public static Command Create()
    {
        var data = new DatasetArguments();
        var split = new Option<string>("--split") { Description = "train, trainval or background (Omniglot).", DefaultValueFactory = _ => "train" };
        var valSplit = new Option<string?>("--val-split") { Description = "Classes whose pairs calibrate the threshold (default: val when --split train; none otherwise)." };
        var head = new Option<string>("--head") { Description = "koch (weighted L1 + sigmoid, cross-entropy) or contrastive (Euclidean distance with a margin).", DefaultValueFactory = _ => "koch" };
        var margin = new Option<double>("--margin") { Description = "Contrastive margin.", DefaultValueFactory = _ => 1.0 };
        var pairs = new Option<int>("--pairs") { Description = "Pairs per step (half same, half different).", DefaultValueFactory = _ => 128 };
        var steps = new Option<int>("--steps") { Description = "Training steps.", DefaultValueFactory = _ => 3000 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
        var lrStep = new Option<int>("--lr-step") { Description = "Halve the learning rate every N steps (0: never).", DefaultValueFactory = _ => 1000 };
        var augment = new Option<bool>("--augment") { Description = "Random affine distortions (rotation, shear, scale, shift) of every training image." };
        var valPairs = new Option<int>("--val-pairs") { Description = "Validation pairs for the equal-error-rate threshold.", DefaultValueFactory = _ => 2000 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 1 };
        var maxMinutes = new Option<double?>("--max-minutes") { Description = "Wall-time budget; the model trained so far is saved when it runs out." };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads (0 = libtorch default).", DefaultValueFactory = _ => 0 };
        var initFrom = new Option<string?>("--init-from") { Description = "Start from this model folder's embedder (for example a prototypical model) instead of random weights (and its Koch head when it is a Siamese model: stage two of frozen-then-unfrozen); its backbone and preprocessing are used, so --backbone, --widths and --image-size do not apply." };
        var bodyLr = new Option<double>("--body-lr-factor") { Description = "The embedder's learning rate as a multiple of --lr (the head gets --lr): 1 trains all alike, 0.1 fine-tunes an --init-from body gently, 0 freezes it and trains the Koch head only.", DefaultValueFactory = _ => 1.0 };
        var output = new Option<string>("--out") { Description = "Model folder to write (model.json with the siamese section + weights).", Required = true };

        var command = new Command("train-siamese", "Train a Siamese network (Conv4, ResNet12, ResNet18 body) for verification and one-shot classification.");
        var backbone = new BackboneArguments();
        backbone.AddTo(command);
        data.AddTo(command);
        foreach (var option in new Option[] { split, valSplit, head, margin, pairs, steps, lr, lrStep, augment, valPairs, seed, maxMinutes, threads, initFrom, bodyLr, output })
        {
            command.Options.Add(option);
        }

        command.SetAction(result => ExitCodes.Run(() =>
        {
            if (result.GetValue(threads) is > 0 and int n)
            {
                torch.set_num_threads(n);
            }

            string outDir = result.GetValue(output)!;
            if (File.Exists(Path.Combine(outDir, Serialization.ModelFile.MetadataFileName)))
            {
                throw new ArgumentException($"--out: '{outDir}' already holds a model; choose another folder (nothing was overwritten).");
            }

            var kind = result.GetValue(head) switch
            {
                "koch" => SiameseHeadKind.Koch,
                "contrastive" => SiameseHeadKind.Contrastive,
                var other => throw new ArgumentException($"--head must be koch or contrastive; got '{other}'."),
            };
            string trainSplit = result.GetValue(split)!;
            string? validationSplit = result.GetValue(valSplit) ?? (result.GetValue(data.Omniglot) is not null && trainSplit == "train" ? "val" : null);
            torch.manual_seed(result.GetValue(seed));
            string? initDir = result.GetValue(initFrom);
            if (initDir is not null)
            {
                backbone.RefuseWithInitFrom(result, data.ImageSize, initDir);
            }

            using var embedder = initDir is null
                ? Embedder.Create(new EmbedderOptions { Backbone = backbone.Resolve(result), Preprocessing = data.Preprocessing(result) })
                : Serialization.ModelFile.Load(initDir, DeviceChoice.Auto);
            var preprocessing = embedder.Preprocessing;
            SiameseHead? initialHead = null;
            if (initDir is not null && kind == SiameseHeadKind.Koch && Serialization.ModelFile.ReadMetadata(initDir).SiameseHead == SiameseHeadKind.Koch)
            {
                using var siamese = SiameseModel.Load(initDir, DeviceChoice.Cpu);
                initialHead = siamese.Head;
            }

            var (train, name) = data.Open(result, trainSplit, preprocessing);
            IClassDataset? validation = validationSplit is null ? null : data.Open(result, validationSplit, preprocessing).Dataset;
            if (initDir is not null)
            {
                Console.WriteLine($"embedder: {embedder.Architecture} from {initDir}{(initialHead is null ? string.Empty : ", Koch head too")}");
            }

            Console.WriteLine($"train: {name} split {trainSplit} ({train.Classes.Count} classes){(validation is null ? string.Empty : $", threshold calibrated on {validationSplit} ({validation.Classes.Count} classes)")}");

            var options = new SiameseTrainerOptions
            {
                Head = kind,
                Margin = result.GetValue(margin),
                PairsPerStep = result.GetValue(pairs),
                Steps = result.GetValue(steps),
                LearningRate = result.GetValue(lr),
                LrStepSteps = result.GetValue(lrStep),
                Augmentation = result.GetValue(augment) ? new AffineAugmentationOptions() : null,
                ValidationPairs = result.GetValue(valPairs),
                Seed = result.GetValue(seed),
                EmbedderLearningRateFactor = result.GetValue(bodyLr),
                InitialHead = initialHead,
                MaxDuration = result.GetValue(maxMinutes) is double minutes ? TimeSpan.FromMinutes(minutes) : null,
            };
            int every = Math.Max(1, options.Steps / 100);
            double window = 0;
            var progress = new InlineProgress<SiameseTrainingProgress>(p =>
            {
                window += p.Loss;
                if (p.Step % every == 0 || p.Step == p.TotalSteps)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {p.Step}/{p.TotalSteps} loss {window / every:F4} elapsed {p.Elapsed:hh\\:mm\\:ss}"));
                    window = 0;
                }
            });
            var trained = new SiameseTrainer(options).Train(embedder, train, validation, progress);
            using var model = trained.Model;
            model.Save(outDir, $"{embedder.Architecture} Siamese network ({kind} head) trained on {name} {trainSplit}, {trained.Losses.Count} steps of {options.PairsPerStep} pairs{(initDir is null ? string.Empty : $", body initialised from {Path.GetFileName(Path.TrimEndingDirectorySeparator(initDir))} (learning rate x{options.EmbedderLearningRateFactor.ToString(CultureInfo.InvariantCulture)})")}");
            var c = model.Calibration;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"saved {outDir}: {trained.Losses.Count} steps in {trained.WallTime.TotalMinutes:F1} min; threshold {model.Threshold:G4} ({c.Method.ToString()}), validation pair accuracy {trained.ValidationAccuracy?.ToString("P2", CultureInfo.InvariantCulture) ?? "n/a"}, FAR {c.FalseAcceptRate.ToString("P2", CultureInfo.InvariantCulture)}, FRR {c.FalseRejectRate.ToString("P2", CultureInfo.InvariantCulture)}"));
            (train as IDisposable)?.Dispose();
            (validation as IDisposable)?.Dispose();
            return ExitCodes.Success;
        }));
        return command;
    }
}
