using System.CommandLine;
using System.Globalization;
using OneShot.Classification;
using OneShot.Evaluation;

namespace OneShot.Cli;

/// <summary>
/// <c>oneshot calibrate</c>: fits a model's softmax temperature (and optionally its open-set threshold for a target
/// false-accept rate) on episodes of held-out classes and stores them in the model's <c>calibration.json</c>.
/// </summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var data = new DatasetArguments();
        var model = new Option<string>("--model") { Description = "Model folder (model.json + weights-*.bin); calibration.json is written into it.", Required = true };
        var split = new Option<string>("--split") { Description = "Held-out classes to fit on: val (Omniglot, the default); never the test split you report.", DefaultValueFactory = _ => "val" };
        var episodes = new EpisodeArguments(way: 20, episodes: 300, seed: 7, "Episodes to fit on.");
        var targetFar = new Option<double?>("--target-far") { Description = "Also fit the open-set threshold that accepts at most this fraction of unknown queries (e.g. 0.05)." };
        var unknownWay = new Option<int>("--unknown-way") { Description = "With --target-far: unknown classes per episode.", DefaultValueFactory = _ => 5 };
        var classifierArguments = new ClassifierArguments();
        var tta = CliModels.TestTimeAugmentationOption();

        var command = new Command("calibrate", "Fit a model's softmax temperature (and open-set threshold) on held-out classes; stored in MODEL/calibration.json and used by default.");
        data.AddTo(command);
        classifierArguments.AddTo(command);
        episodes.AddTo(command);
        foreach (var option in new Option[] { model, split, targetFar, unknownWay, tta })
        {
            command.Options.Add(option);
        }

        command.SetAction(result => ExitCodes.Run(() =>
        {
            string modelDir = result.GetValue(model)!;
            if (CliModels.IsOnnx(modelDir))
            {
                throw new ArgumentException("--model: calibrate writes calibration.json into a model folder; an .onnx file has none.");
            }

            var augmentation = CliModels.ParseTestTimeAugmentation(result.GetValue(tta));
            var classifier = classifierArguments.Resolve(result, new PrototypeClassifierOptions(), modelDir, "calibrate fits a classifier over embeddings.", augmentation?.ToString());
            using var embedder = CliModels.Load(modelDir, augmentation);
            string splitName = result.GetValue(data.Data) is null && result.GetValue(data.FashionMnist) is null ? result.GetValue(split)! : "all";
            var (dataset, name) = data.Open(result, splitName, embedder.Preprocessing);
            var options = data.Protocol(result, dataset, episodes.Resolve(result, classifier));
            string fittedOn = $"{name}/{splitName}";
            var calibration = ModelCalibration.Load(modelDir) ?? new ModelCalibration();
            var temperature = Calibrator.FitTemperature(embedder, dataset, options, fittedOn);
            calibration = calibration.With(temperature);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"temperature {temperature.Temperature:G6} (was {classifier.Temperature:G4}) on {fittedOn}, {temperature.Way}-way {temperature.Shot}-shot, {temperature.Episodes} episodes: NLL {temperature.NllBefore:0.0000} -> {temperature.NllAfter:0.0000}, ECE {temperature.EceBefore:0.0000} -> {temperature.EceAfter:0.0000}"));
            if (result.GetValue(targetFar) is { } far)
            {
                if (!(far >= 0 && far <= 1))
                {
                    throw new ArgumentException($"--target-far must be a rate in [0, 1]; got {far.ToString(CultureInfo.InvariantCulture)}.");
                }

                var threshold = Calibrator.FitUnknownThreshold(embedder, dataset, options with { UnknownWay = Math.Max(1, result.GetValue(unknownWay)) }, far, fittedOn);
                calibration = calibration.With(threshold);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"open-set threshold {threshold.Threshold:G6} for false accepts <= {far:P1}: false accepts {threshold.FalseAcceptRate:P2}, false rejects {threshold.FalseRejectRate:P2}, AUROC {threshold.Auroc:0.0000}"));
            }

            calibration.Save(modelDir);
            Console.WriteLine($"saved {Path.Combine(modelDir, ModelCalibration.FileName)}");
            (dataset as IDisposable)?.Dispose();
            return ExitCodes.Success;
        }));
        return command;
    }
}
