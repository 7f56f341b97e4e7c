using System.CommandLine;
using System.Globalization;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Training;
using TorchSharp;

namespace OneShot.Cli;

/// <summary><c>oneshot train</c>: episodic training of a prototypical-network embedder.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new DatasetArguments();
        var split = new Option<string>("--split") { Description = "train, trainval or background (Omniglot).", DefaultValueFactory = _ => "train" };
        var valSplit = new Option<string?>("--val-split") { Description = "Validation split for early stopping and model selection (default: val when --split train; none otherwise)." };
        var way = new Option<int>("--way") { Description = "Classes per training episode.", DefaultValueFactory = _ => 60 };
        var shot = new Option<int>("--shot") { Description = "Support images per class.", DefaultValueFactory = _ => 1 };
        var query = new Option<int>("--query") { Description = "Query images per class.", DefaultValueFactory = _ => 5 };
        var episodes = new Option<int>("--episodes") { Description = "Training episodes.", DefaultValueFactory = _ => 2000 };
        var seed = new Option<int>("--seed") { Description = "Random seed (sampling and initialisation).", DefaultValueFactory = _ => 1 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
        var lrStep = new Option<int>("--lr-step") { Description = "With --lr-schedule step: halve the learning rate every N episodes.", DefaultValueFactory = _ => 2000 };
        var lrSchedule = new Option<string>("--lr-schedule") { Description = "step (halve every --lr-step episodes) or cosine (anneal to 0 over --episodes).", DefaultValueFactory = _ => "step" };
        var augment = new Option<bool>("--augment") { Description = "Random affine distortions (rotation, shear, scale, shift) of every training image." };
        var augmentStrength = new Option<double>("--augment-strength") { Description = "With --augment: multiplies the default ranges (rotation 10 deg, shear 17 deg, scale 0.8-1.2, shift 2/105 of the size).", DefaultValueFactory = _ => 1.0 };
        var withinGroup = new Option<double>("--within-group-fraction") { Description = "The fraction of episodes (0-1) whose classes all come from one alphabet (Omniglot) or subcategory (emoji): harder episodes of similar classes, as in Lake et al.'s within-alphabet task.", DefaultValueFactory = _ => 0 };
        var openSetWay = new Option<int>("--open-set-way") { Description = "Open-set training: this many extra classes per episode whose queries have no prototype; a pairwise term pushes them farther from every prototype than known queries are from their own, so an unknown threshold ('calibrate --target-far') rejects more unknowns at the same false-reject rate. Default 0 (off).", DefaultValueFactory = _ => 0 };
        var loss = new Option<string>("--loss") { Description = "prototypical (queries against the support means) or nca (every image of the episode against all the others, Laenen & Bertinetto 2021). Classification is by prototypes either way.", DefaultValueFactory = _ => "prototypical" };
        var openSetWeight = new Option<double>("--open-set-weight") { Description = "With --open-set-way: the weight of the open-set term.", DefaultValueFactory = _ => 1.0 };
        var initFrom = new Option<string?>("--init-from") { Description = "Start from this model folder's weights (for example a shipped model, to fine-tune it episodically) instead of random ones; its backbone and preprocessing are used, so --backbone, --widths and --image-size do not apply." };
        var valInterval = new Option<int>("--val-interval") { Description = "Validate every N episodes.", DefaultValueFactory = _ => 250 };
        var valEpisodes = new Option<int>("--val-episodes") { Description = "Validation episodes (5-way, same shot, 15 queries).", DefaultValueFactory = _ => 100 };
        var patience = new Option<int?>("--patience") { Description = "Stop after N validations without improvement." };
        var maxMinutes = new Option<double?>("--max-minutes") { Description = "Wall-time budget: stop after this many minutes and save the model trained so far (a checkpoint allows resuming)." };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads (0 = libtorch default).", DefaultValueFactory = _ => 0 };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint folder (default OUT/checkpoint); training resumes from it when present." };
        var noResume = new Option<bool>("--no-resume") { Description = "Start from scratch even when a checkpoint exists (it is overwritten)." };
        var output = new Option<string>("--out") { Description = "Model folder to write (model.json + weights-*.bin).", Required = true };

        var command = new Command("train", "Train an embedder (Conv4, ResNet12, ResNet18) with prototypical episodes; resumes from OUT/checkpoint when present.");
        var backbone = new BackboneArguments();
        backbone.AddTo(command);
        data.AddTo(command);
        foreach (var option in new Option[] { split, valSplit, way, shot, query, episodes, seed, lr, lrStep, lrSchedule, loss, augment, augmentStrength, withinGroup, openSetWay, openSetWeight, initFrom, valInterval, valEpisodes, patience, maxMinutes, threads, checkpoint, noResume, output })
        {
            command.Options.Add(option);
        }

        command.SetAction(result => ExitCodes.Run(() =>
        {
            int n = result.GetValue(threads);
            if (n > 0)
            {
                torch.set_num_threads(n);
            }

            string outDir = result.GetValue(output)!;
            string checkpointDir = result.GetValue(checkpoint) ?? Path.Combine(outDir, "checkpoint");
            if (File.Exists(Path.Combine(outDir, ModelFile.MetadataFileName)) && !Directory.Exists(checkpointDir))
            {
                throw new ArgumentException($"--out: '{outDir}' already holds a trained model and no checkpoint to resume; choose another folder (nothing was overwritten).");
            }

            if (result.GetValue(data.WithinGroup))
            {
                throw new ArgumentException("--within-group is an evaluation protocol; for training use --within-group-fraction P (the fraction of episodes drawn within one group).");
            }

            string trainSplit = result.GetValue(split)!;
            string? validationSplit = result.GetValue(valSplit) ?? (result.GetValue(data.Omniglot) is not null && trainSplit == "train" ? "val" : null);
            int trainSeed = result.GetValue(seed);
            torch.manual_seed(trainSeed);
            string? initDir = result.GetValue(initFrom);
            if (initDir is not null)
            {
                backbone.RefuseWithInitFrom(result, data.ImageSize, initDir);
            }

            using var embedder = initDir is null
                ? Embedder.Create(new EmbedderOptions { Backbone = backbone.Resolve(result), Preprocessing = data.Preprocessing(result) })
                : ModelFile.Load(initDir, DeviceChoice.Auto);
            var preprocessing = embedder.Preprocessing;
            var (train, name) = data.Open(result, trainSplit, preprocessing);
            IClassDataset? validation = validationSplit is null ? null : data.Open(result, validationSplit, preprocessing).Dataset;
            Console.Error.WriteLine($"oneDNN instruction set: {NativeKernelCheck.OneDnnIsaPolicy}");
            if (initDir is not null)
            {
                Console.WriteLine($"embedder: {embedder.Architecture} from {initDir}");
            }

            Console.WriteLine($"train: {name} split {trainSplit} ({train.Classes.Count} classes){(validationSplit is null ? string.Empty : $", validation split {validationSplit} ({validation!.Classes.Count} classes)")}");

            var options = new PrototypicalTrainerOptions
            {
                Way = result.GetValue(way),
                Shot = result.GetValue(shot),
                Query = result.GetValue(query),
                Episodes = result.GetValue(episodes),
                LearningRate = result.GetValue(lr),
                LrStepEpisodes = result.GetValue(lrStep),
                LrSchedule = ParseSchedule(result.GetValue(lrSchedule)!),
                Loss = ParseLoss(result.GetValue(loss)!, result.GetValue(openSetWay)),
                Augmentation = result.GetValue(augment) ? ScaledAugmentation(result.GetValue(augmentStrength)) : null,
                WithinGroupFraction = WithinGroupFraction(result.GetValue(withinGroup)),
                ClassGroups = result.GetValue(withinGroup) > 0 ? ClassGroupsOf(train) : null,
                OpenSetWay = OpenSetWay(result.GetValue(openSetWay)),
                OpenSetWeight = OpenSetWeight(result.GetValue(openSetWeight)),
                ValidationInterval = result.GetValue(valInterval),
                ValidationEpisodes = result.GetValue(valEpisodes),
                ValidationWay = 5,
                ValidationShot = result.GetValue(shot),
                ValidationQuery = 15,
                Patience = result.GetValue(patience),
                Seed = trainSeed,
                CheckpointPath = checkpointDir,
                Resume = !result.GetValue(noResume),
            };

            using var cancel = new CancellationTokenSource();
            using var budget = result.GetValue(maxMinutes) is double minutes
                ? new CancellationTokenSource(TimeSpan.FromMinutes(minutes))
                : new CancellationTokenSource();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token, budget.Token);
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
            };
            Console.CancelKeyPress += onCancel;

            int every = Math.Max(1, options.Episodes / 100);
            int lastEpisode = 0;
            int? firstEpisode = null;
            using var metrics = new MetricsLog(checkpointDir, options.Resume);
            Action<int, string?> bar = (_, _) => { };
            string? lastValidation = null;
            var progress = new InlineProgress<TrainingProgress>(p =>
            {
                lastEpisode = p.Episode;
                firstEpisode ??= p.Episode - 1;
                metrics.Add(p);
                if (p.ValidationAccuracy is { } v)
                {
                    lastValidation = string.Create(CultureInfo.InvariantCulture, $" val acc {v:P2}");
                }

                bar(p.Episode, string.Create(CultureInfo.InvariantCulture, $"loss {p.Loss:F3} acc {p.Accuracy:P0}{lastValidation}"));
                if (!ConsoleProgress.IsInteractive && (p.Episode % every == 0 || p.ValidationLoss is not null || p.Episode == p.TotalEpisodes))
                {
                    string val = p.ValidationLoss is null ? string.Empty : $" | val loss {p.ValidationLoss:F4} acc {p.ValidationAccuracy:P2}";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"episode {p.Episode}/{p.TotalEpisodes} loss {p.Loss:F4} acc {p.Accuracy:P1} lr {p.LearningRate:G3} elapsed {p.Elapsed:hh\\:mm\\:ss} eta {p.Eta:hh\\:mm\\:ss}{val}"));
                }
            });

            int tooSmall = Enumerable.Range(0, train.Classes.Count).Count(c => train.CountOf(c) < options.Shot + options.Query);
            if (tooSmall > 0)
            {
                Console.Error.WriteLine($"warning: {tooSmall} class(es) have fewer than shot+query = {options.Shot + options.Query} images and are left out of training episodes.");
            }

            var trainer = new PrototypicalTrainer(options);
            TrainingResult outcome;
            try
            {
                outcome = ConsoleProgress.Run("training", options.Episodes, (Action<int, string?> report) =>
                {
                    bar = report;
                    return trainer.Train(embedder, train, validation, progress, linked.Token);
                });
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                Console.Error.WriteLine($"interrupted after episode {lastEpisode}; the checkpoint in {checkpointDir} is saved: run the same command again to resume.");
                throw;
            }
            catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancel.IsCancellationRequested)
            {
                Console.WriteLine($"time budget of {result.GetValue(maxMinutes)} min reached after episode {lastEpisode}; saving the weights trained so far.");
                int start = firstEpisode ?? lastEpisode;
                outcome = new TrainingResult(lastEpisode - start, start, double.NaN, double.NaN, null, null, null, StoppedEarly: true, TimeSpan.FromMinutes(result.GetValue(maxMinutes)!.Value));
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }

            var info = new Dictionary<string, string>
            {
                ["dataset"] = name,
                ["split"] = trainSplit,
                ["validationSplit"] = validationSplit ?? "none",
                ["way"] = options.Way.ToString(CultureInfo.InvariantCulture),
                ["shot"] = options.Shot.ToString(CultureInfo.InvariantCulture),
                ["query"] = options.Query.ToString(CultureInfo.InvariantCulture),
                ["episodes"] = (outcome.StartEpisode + outcome.EpisodesRun).ToString(CultureInfo.InvariantCulture),
                ["bestEpisode"] = outcome.BestEpisode?.ToString(CultureInfo.InvariantCulture) ?? "last",
                ["seed"] = trainSeed.ToString(CultureInfo.InvariantCulture),
                ["learningRate"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
                ["lrStepEpisodes"] = options.LrStepEpisodes.ToString(CultureInfo.InvariantCulture),
                ["lrSchedule"] = options.LrSchedule.ToString().ToLowerInvariant(),
                ["loss"] = options.Loss.ToString().ToLowerInvariant(),
                ["augmentStrength"] = options.Augmentation is null ? "none" : result.GetValue(augmentStrength).ToString("R", CultureInfo.InvariantCulture),
                ["withinGroupFraction"] = options.WithinGroupFraction.ToString("R", CultureInfo.InvariantCulture),
                ["openSetWay"] = options.OpenSetWay.ToString(CultureInfo.InvariantCulture),
                ["openSetWeight"] = options.OpenSetWeight.ToString("R", CultureInfo.InvariantCulture),
                ["initFrom"] = initDir is null ? "none" : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(initDir))),
                ["wallTimeSeconds"] = outcome.WallTime.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture),
            };
            string method = options.Loss == EpisodeLoss.Nca ? "NCA" : "prototypical";
            ModelFile.Save(embedder, outDir, $"{embedder.Architecture} {(options.Loss == EpisodeLoss.Nca ? "embedder (NCA loss)" : "prototypical network")} trained on {name} {trainSplit}", info);
            metrics.Publish(outDir, $"{options.Way}-way {options.Shot}-shot {method} training on {name} {trainSplit}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"saved {outDir}: {outcome.EpisodesRun} episodes this run (from {outcome.StartEpisode}), {outcome.WallTime.TotalMinutes:F1} min, best validation accuracy {outcome.BestValidationAccuracy?.ToString("P2", CultureInfo.InvariantCulture) ?? "n/a"}"));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static int OpenSetWay(int value) => value >= 0
        ? value
        : throw new ArgumentException($"--open-set-way: expected a number of classes >= 0; got {value.ToString(CultureInfo.InvariantCulture)}.");

    private static double OpenSetWeight(double value) => double.IsFinite(value) && value > 0
        ? value
        : throw new ArgumentException($"--open-set-weight: expected a positive weight; got {value.ToString(CultureInfo.InvariantCulture)}.");

    private static double WithinGroupFraction(double value) => value is >= 0 and <= 1
        ? value
        : throw new ArgumentException($"--within-group-fraction: expected a fraction in [0, 1]; got {value.ToString(CultureInfo.InvariantCulture)}.");

    private static IReadOnlyList<string> ClassGroupsOf(IClassDataset train) => train switch
    {
        OmniglotDataset omniglot => omniglot.ClassGroups,
        EmojiDataset emoji => emoji.ClassGroups,
        _ => throw new ArgumentException("--within-group-fraction needs --omniglot (alphabets) or --emoji (subcategories) training data; this dataset has no class groups."),
    };

    private static EpisodeLoss ParseLoss(string value, int openSetWay) => value.ToLowerInvariant() switch
    {
        "prototypical" => EpisodeLoss.Prototypical,
        "nca" when openSetWay > 0 => throw new ArgumentException($"--loss nca cannot be combined with --open-set-way {openSetWay.ToString(CultureInfo.InvariantCulture)}: the open-set term works on prototypes; use --loss prototypical."),
        "nca" => EpisodeLoss.Nca,
        _ => throw new ArgumentException($"--loss: expected prototypical or nca; got '{value}'."),
    };

    internal static LearningRateSchedule ParseSchedule(string value) => value.ToLowerInvariant() switch
    {
        "step" => LearningRateSchedule.Step,
        "cosine" => LearningRateSchedule.Cosine,
        _ => throw new ArgumentException($"--lr-schedule: expected step or cosine; got '{value}'."),
    };

    /// <summary>The default affine ranges (those of train-siamese --augment) with every range multiplied by <paramref name="strength"/>.</summary>
    internal static AffineAugmentationOptions ScaledAugmentation(double strength)
    {
        if (!double.IsFinite(strength) || strength <= 0 || strength > 2)
        {
            throw new ArgumentException($"--augment-strength: expected a number in (0, 2]; got {strength.ToString(CultureInfo.InvariantCulture)}.");
        }

        var d = new AffineAugmentationOptions();
        return new AffineAugmentationOptions
        {
            RotationDegrees = d.RotationDegrees * strength,
            ShearDegrees = d.ShearDegrees * strength,
            ScaleMin = 1 - ((1 - d.ScaleMin) * strength),
            ScaleMax = 1 + ((d.ScaleMax - 1) * strength),
            TranslateFraction = d.TranslateFraction * strength,
        };
    }
}
