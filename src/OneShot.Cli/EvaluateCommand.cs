using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneShot.Classification;
using OneShot.Evaluation;
using OneShot.Transfer;

namespace OneShot.Cli;

/// <summary><c>oneshot evaluate</c>: N-way K-shot accuracy of a model and a few-shot method (<c>--classifier</c>) with a 95% confidence interval over episodes.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var data = new DatasetArguments();
        var model = new Option<string>("--model") { Description = "Model folder (model.json + weights-*.bin), or an .onnx file with its sidecar (model.onnx.json).", Required = true };
        var split = new Option<string>("--split") { Description = "test or evaluation (Omniglot); ignored with --data.", DefaultValueFactory = _ => "test" };
        var episodes = new EpisodeArguments(way: 5, episodes: 1000, seed: 1, "Episodes to average over.");
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a sentence." };
        var withinAlphabet = new Option<bool>("--within-alphabet") { Description = "Omniglot: Lake et al.'s one-shot task: every episode's classes from one alphabet, support and queries by different drawers (use --split evaluation)." };
        var lakeRuns = new Option<bool>("--lake-runs") { Description = "Omniglot: Lake et al.'s 20 published runs of the one-shot task (20-way 1-shot within one alphabet, support and queries by two drawers, 400 trials; --split evaluation), the episodes of the human and BPL figures. Replaces --way/--shot/--query/--episodes/--seed." };
        var reliability = new Option<string?>("--reliability-diagram") { Description = "Also draw the reliability diagram (accuracy per confidence bin, 15 bins) to this PNG file." };
        var unknownWay = new Option<int>("--unknown-way") { Description = "Open set: also run episodes with this many extra classes whose queries are unknowns, and report AUROC (and FAR/FRR with --unknown-far).", DefaultValueFactory = _ => 0 };
        var sheet = new Option<string?>("--sheet") { Description = "Also draw the first few episodes (support, queries, right/wrong predictions) to this PNG file." };
        var classifierArguments = new ClassifierArguments();
        var tta = CliModels.TestTimeAugmentationOption();

        var command = new Command("evaluate", "Measure few-shot accuracy of a model on unseen classes, with a 95% confidence interval.");
        data.AddTo(command);
        classifierArguments.AddTo(command);
        episodes.AddTo(command);
        foreach (var option in new Option[] { model, split, withinAlphabet, lakeRuns, reliability, unknownWay, json, sheet, tta })
        {
            command.Options.Add(option);
        }

        command.SetAction(result => ExitCodes.Run(() =>
        {
            string? sheetPath = result.GetValue(sheet);
            if (sheetPath is not null)
            {
                ContactSheet.CheckPath(sheetPath);
            }

            var augmentation = CliModels.ParseTestTimeAugmentation(result.GetValue(tta));
            var classifier = classifierArguments.Resolve(
                result,
                new PrototypeClassifierOptions(),
                result.GetValue(model),
                "episode evaluation classifies embeddings, and fine-tuning needs each episode's images; measure it with the FineTuner API (see samples/OneShot.TransferVsFineTune).",
                augmentation?.ToString());
            using var embedder = CliModels.Load(result.GetValue(model)!, augmentation);
            string splitName = result.GetValue(data.Data) is null && result.GetValue(data.FashionMnist) is null ? result.GetValue(split)! : "all";
            var (dataset, name) = data.Open(result, splitName, embedder.Preprocessing);
            var options = data.Protocol(result, dataset, episodes.Resolve(result, classifier));
            if (result.GetValue(withinAlphabet))
            {
                options = dataset is OneShot.Data.OmniglotDataset
                    ? options.WithinAlphabet(dataset)
                    : throw new ArgumentException("--within-alphabet needs --omniglot (its alphabets are the groups).");
            }

            if (result.GetValue(lakeRuns))
            {
                options = dataset is not OneShot.Data.OmniglotDataset
                    ? throw new ArgumentException("--lake-runs needs --omniglot with --split evaluation (the runs are characters of the evaluation set).")
                    : result.GetValue(withinAlphabet) || result.GetValue(unknownWay) != 0
                        ? throw new ArgumentException("--lake-runs is a fixed closed-set protocol of its own: drop --within-alphabet and --unknown-way.")
                        : options.LakeRuns(dataset);
            }

            var evaluation = ConsoleProgress.Run("evaluating", options.Episodes, (Action<int, string?> report) =>
                new EpisodeEvaluator(options).Evaluate(embedder, dataset, new InlineProgress<EvaluationProgress>(p =>
                    report(p.Episode, string.Create(CultureInfo.InvariantCulture, $"mean accuracy {p.MeanAccuracy:P2}")))));
            OpenSetResult? openSet = null;
            int unknowns = result.GetValue(unknownWay);
            if (unknowns < 0)
            {
                throw new ArgumentException($"--unknown-way must be at least 0; got {unknowns}.");
            }

            if (unknowns > 0)
            {
                var openOptions = options with { UnknownWay = unknowns };
                openSet = ConsoleProgress.Run("open set", openOptions.Episodes, (Action<int, string?> report) =>
                    new EpisodeEvaluator(openOptions).Evaluate(embedder, dataset, new InlineProgress<EvaluationProgress>(p => report(p.Episode, null)))).OpenSet;
            }
            else if (options.Classifier.UnknownThreshold is not null)
            {
                Console.Error.WriteLine("note: the classifier rejects queries as unknown (--unknown-far); the accuracy counts rejections as wrong. Add --unknown-way N to measure FAR/FRR.");
            }

            var calibration = evaluation.Calibration!;
            if (result.GetValue(reliability) is { } diagramPath)
            {
                ReliabilityPlot.Save(calibration, $"{name}/{splitName} {ProtocolName(options)} {evaluation.Way}-way {evaluation.Shot}-shot, T = {options.Classifier.Temperature:G4}", diagramPath);
            }

            if (result.GetValue(json))
            {
                var o = new JsonObject
                {
                    ["dataset"] = name,
                    ["split"] = splitName,
                    ["model"] = result.GetValue(model),
                    ["testTimeAugmentation"] = augmentation?.ToString() ?? "none",
                    ["accuracy"] = evaluation.Accuracy,
                    ["ci95"] = double.IsNaN(evaluation.Ci95) ? null : evaluation.Ci95,
                    ["protocol"] = ProtocolName(options),
                    ["way"] = evaluation.Way,
                    ["shot"] = evaluation.Shot,
                    ["query"] = evaluation.Query,
                    ["episodes"] = evaluation.Episodes,
                    ["seed"] = evaluation.Seed,
                    ["classifier"] = JsonNode.Parse(ClassifierRegistry.ToJson(evaluation.Classifier)),
                    ["seconds"] = Math.Round(evaluation.WallTime.TotalSeconds, 2),
                    ["ece"] = Math.Round(calibration.ExpectedCalibrationError, 6),
                    ["eceBins"] = calibration.Bins.Count,
                    ["meanConfidence"] = Math.Round(calibration.MeanConfidence, 6),
                };
                if (openSet is not null)
                {
                    o["openSet"] = new JsonObject
                    {
                        ["unknownWay"] = unknowns,
                        ["auroc"] = Math.Round(openSet.Auroc, 6),
                        ["knownQueries"] = openSet.KnownQueries,
                        ["unknownQueries"] = openSet.UnknownQueries,
                        ["threshold"] = openSet.Threshold,
                        ["falseAcceptRate"] = openSet.FalseAcceptRate,
                        ["falseRejectRate"] = openSet.FalseRejectRate,
                    };
                }

                Console.WriteLine(o.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
            }
            else
            {
                Console.WriteLine(evaluation.Describe(name, splitName));
                if (options.FixedPlans is not null)
                {
                    int trials = evaluation.Episodes * evaluation.Way * evaluation.Query;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"Lake et al.'s {evaluation.Episodes} runs: {Math.Round(evaluation.Accuracy * trials)} of {trials} right (published on these runs: people 95.5 %, Bayesian Program Learning 96.7 %, Koch et al.'s Siamese network 92.0 %)"));
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"calibration: ECE {calibration.ExpectedCalibrationError:0.0000} ({calibration.Bins.Count} bins), mean confidence {calibration.MeanConfidence:P2}, temperature {options.Classifier.Temperature:G4}"));
                if (openSet is not null)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"open set ({unknowns} unknown classes per episode): AUROC {openSet.Auroc:0.0000}{(openSet.Threshold is { } t ? $", threshold {t:G6}: false accepts {openSet.FalseAcceptRate:P2}, false rejects {openSet.FalseRejectRate:P2}" : string.Empty)}"));
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({evaluation.WallTime.TotalSeconds:F1} s)"));
            }

            if (sheetPath is not null)
            {
                var drawn = ContactSheetEvaluation.Save(sheetPath, embedder, dataset, embedder.Preprocessing, options, name);
                Console.Error.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"sheet: drew {drawn.Count} of {options.Episodes} episodes (accuracy {string.Join(", ", drawn.Select(a => $"{a:0.0000}"))}) to {sheetPath}"));
            }

            (dataset as IDisposable)?.Dispose();
            return ExitCodes.Success;
        }));
        return command;
    }

    private static string ProtocolName(EpisodeEvaluationOptions options) => options switch
    {
        { FixedPlans: not null } => "lake-20-runs",
        { SharedItemIndices: true, ClassGroups: not null } => "within-alphabet",
        { SupportItems: null, ClassGroups: null } => "random",
        { SupportItems: null } => "within-group",
        { ClassGroups: null } => "cross-artist",
        _ => "cross-artist-within-group",
    };
}
