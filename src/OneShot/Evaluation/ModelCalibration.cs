using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneShot.Classification;
using OneShot.IO;
using OneShot.Serialization;

namespace OneShot.Evaluation;

/// <summary>
/// What was calibrated for a model, stored beside its <c>model.json</c> as <c>calibration.json</c>: fitted softmax
/// temperatures (<see cref="Calibrator.FitTemperature"/>) and open-set thresholds (<see cref="Calibrator.FitUnknownThreshold"/>),
/// each for one classifier type and metric. <see cref="ApplyTo(ClassifierOptions)"/> gives a classifier the model's temperature.
/// </summary>
/// <remarks>
/// The file is versioned (<see cref="FormatVersion"/>), written atomically, and read completely and validated before
/// use: a bad file throws <see cref="ModelFormatException"/> naming it and the bad member.
/// </remarks>
public sealed record ModelCalibration
{
    /// <summary>The calibration file name in a model directory.</summary>
    public const string FileName = "calibration.json";

    /// <summary>The format version this library writes and the newest it reads.</summary>
    /// <remarks>Version 2 adds <c>testTimeAugmentation</c> to entries; a file without such an entry is still written as 1.</remarks>
    public const int FormatVersion = 2;

    /// <summary>The fitted temperatures, at most one per classifier type and metric.</summary>
    public IReadOnlyList<TemperatureCalibration> Temperatures { get; init; } = [];

    /// <summary>The fitted open-set thresholds, at most one per classifier type, metric and target false-accept rate.</summary>
    public IReadOnlyList<UnknownThresholdCalibration> UnknownThresholds { get; init; } = [];

    /// <summary>These calibrations with <paramref name="temperature"/> replacing any of the same classifier type and metric.</summary>
    public ModelCalibration With(TemperatureCalibration temperature)
    {
        ArgumentNullException.ThrowIfNull(temperature);
        return this with { Temperatures = [.. Temperatures.Where(t => t.Classifier != temperature.Classifier || t.Metric != temperature.Metric || t.TestTimeAugmentation != temperature.TestTimeAugmentation), temperature] };
    }

    /// <summary>These calibrations with <paramref name="threshold"/> replacing any of the same classifier type, metric and target rate.</summary>
    public ModelCalibration With(UnknownThresholdCalibration threshold)
    {
        ArgumentNullException.ThrowIfNull(threshold);
        return this with
        {
            UnknownThresholds =
            [
                .. UnknownThresholds.Where(t => t.Classifier != threshold.Classifier || t.Metric != threshold.Metric || t.TargetFalseAcceptRate != threshold.TargetFalseAcceptRate || t.TestTimeAugmentation != threshold.TestTimeAugmentation),
                threshold,
            ],
        };
    }

    /// <summary>The temperature fitted for the type and metric of <paramref name="options"/> on plain embeddings, or null.</summary>
    public TemperatureCalibration? TemperatureFor(ClassifierOptions options) => TemperatureFor(options, null);

    /// <summary>
    /// The temperature fitted for the type and metric of <paramref name="options"/> on embeddings averaged over
    /// <paramref name="testTimeAugmentation"/> (<see cref="Embeddings.TestTimeAugmentation"/>'s text; null: plain), or null.
    /// </summary>
    public TemperatureCalibration? TemperatureFor(ClassifierOptions options, string? testTimeAugmentation)
    {
        ArgumentNullException.ThrowIfNull(options);
        string type = Calibrator.TypeName(options);
        return Temperatures.FirstOrDefault(t => t.Classifier == type && t.Metric == options.Metric && t.TestTimeAugmentation == testTimeAugmentation);
    }

    /// <summary>The threshold fitted for the type and metric of <paramref name="options"/> and <paramref name="targetFalseAcceptRate"/> on plain embeddings, or null.</summary>
    public UnknownThresholdCalibration? UnknownThresholdFor(ClassifierOptions options, double targetFalseAcceptRate) =>
        UnknownThresholdFor(options, targetFalseAcceptRate, null);

    /// <summary>
    /// The threshold fitted for the type and metric of <paramref name="options"/> and <paramref name="targetFalseAcceptRate"/>
    /// on embeddings averaged over <paramref name="testTimeAugmentation"/> (null: plain), or null.
    /// </summary>
    public UnknownThresholdCalibration? UnknownThresholdFor(ClassifierOptions options, double targetFalseAcceptRate, string? testTimeAugmentation)
    {
        ArgumentNullException.ThrowIfNull(options);
        string type = Calibrator.TypeName(options);
        return UnknownThresholds.FirstOrDefault(t => t.Classifier == type && t.Metric == options.Metric && t.TargetFalseAcceptRate == targetFalseAcceptRate
            && t.TestTimeAugmentation == testTimeAugmentation);
    }

    /// <summary><paramref name="options"/> with the fitted temperature of its type and metric (plain embeddings); unchanged when none was fitted.</summary>
    public ClassifierOptions ApplyTo(ClassifierOptions options) => ApplyTo(options, null);

    /// <summary><paramref name="options"/> with the temperature fitted for its type and metric on <paramref name="testTimeAugmentation"/> (null: plain); unchanged when none was.</summary>
    public ClassifierOptions ApplyTo(ClassifierOptions options, string? testTimeAugmentation) =>
        TemperatureFor(options, testTimeAugmentation) is { } t ? options with { Temperature = t.Temperature } : options;

    /// <summary>Reads <c>calibration.json</c> of <paramref name="modelDirectory"/>; null when the model has none.</summary>
    /// <exception cref="ModelFormatException">The file is not valid calibration JSON of a known version; the message names it.</exception>
    public static ModelCalibration? Load(string modelDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        string path = Path.Combine(modelDirectory, FileName);
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : null;
    }

    /// <summary>Writes <c>calibration.json</c> into <paramref name="modelDirectory"/> atomically, replacing any.</summary>
    /// <exception cref="IOException">The file could not be written; the previous file is left intact.</exception>
    public void Save(string modelDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        var root = new JsonObject
        {
            ["formatVersion"] = Temperatures.Any(t => t.TestTimeAugmentation is not null) || UnknownThresholds.Any(t => t.TestTimeAugmentation is not null) ? FormatVersion : 1,
            ["temperatures"] = new JsonArray([.. Temperatures.Select(t => (JsonNode)WithAugmentation(new JsonObject
            {
                ["classifier"] = t.Classifier,
                ["metric"] = MetricName(t.Metric),
                ["temperature"] = t.Temperature,
                ["fittedOn"] = t.FittedOn,
                ["way"] = t.Way,
                ["shot"] = t.Shot,
                ["episodes"] = t.Episodes,
                ["seed"] = t.Seed,
                ["nllBefore"] = t.NllBefore,
                ["nllAfter"] = t.NllAfter,
                ["eceBefore"] = t.EceBefore,
                ["eceAfter"] = t.EceAfter,
            }, t.TestTimeAugmentation))]),
            ["unknownThresholds"] = new JsonArray([.. UnknownThresholds.Select(t => (JsonNode)WithAugmentation(new JsonObject
            {
                ["classifier"] = t.Classifier,
                ["metric"] = MetricName(t.Metric),
                ["threshold"] = t.Threshold,
                ["targetFalseAcceptRate"] = t.TargetFalseAcceptRate,
                ["falseAcceptRate"] = t.FalseAcceptRate,
                ["falseRejectRate"] = t.FalseRejectRate,
                ["auroc"] = t.Auroc,
                ["fittedOn"] = t.FittedOn,
                ["way"] = t.Way,
                ["shot"] = t.Shot,
                ["episodes"] = t.Episodes,
                ["seed"] = t.Seed,
            }, t.TestTimeAugmentation))]),
        };
        AtomicFile.WriteAllText(Path.Combine(modelDirectory, FileName), root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Parses calibration JSON; <paramref name="path"/> names the file in errors.</summary>
    internal static ModelCalibration Parse(string json, string path)
    {
        try
        {
            var root = JsonNode.Parse(json) as JsonObject ?? throw new JsonException("the root is not an object");
            int version = Required(root, "formatVersion").GetValue<int>();
            if (version < 1 || version > FormatVersion)
            {
                throw new JsonException($"formatVersion is {version}; this OneShot reads 1 to {FormatVersion}");
            }

            var temperatures = Array(root, "temperatures").Select(t => new TemperatureCalibration(
                Text(t, "classifier"), Metric(t), Positive(t, "temperature"), Text(t, "fittedOn"), Count(t, "way"), Count(t, "shot"), Count(t, "episodes"),
                Required(t, "seed").GetValue<int>(), Finite(t, "nllBefore"), Finite(t, "nllAfter"), Rate(t, "eceBefore"), Rate(t, "eceAfter"))
            {
                TestTimeAugmentation = Augmentation(t),
            }).ToList();
            var thresholds = Array(root, "unknownThresholds").Select(t => new UnknownThresholdCalibration(
                Text(t, "classifier"), Metric(t), NotNegative(t, "threshold"), Rate(t, "targetFalseAcceptRate"), Rate(t, "falseAcceptRate"), Rate(t, "falseRejectRate"),
                Rate(t, "auroc"), Text(t, "fittedOn"), Count(t, "way"), Count(t, "shot"), Count(t, "episodes"), Required(t, "seed").GetValue<int>())
            {
                TestTimeAugmentation = Augmentation(t),
            }).ToList();
            return new ModelCalibration { Temperatures = temperatures, UnknownThresholds = thresholds };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelFormatException(path, $"Calibration file '{path}' is invalid: {e.Message}.", e);
        }
    }

    /// <summary><paramref name="entry"/> with <c>testTimeAugmentation</c> when it has one (plain entries keep version 1's members).</summary>
    private static JsonObject WithAugmentation(JsonObject entry, string? testTimeAugmentation)
    {
        if (testTimeAugmentation is not null)
        {
            entry["testTimeAugmentation"] = testTimeAugmentation;
        }

        return entry;
    }

    private static string? Augmentation(JsonObject o) => o["testTimeAugmentation"] is null ? null : Text(o, "testTimeAugmentation");

    private static string MetricName(DistanceMetric metric) => JsonNamingPolicy.CamelCase.ConvertName(metric.ToString());

    private static JsonNode Required(JsonObject o, string name) => o[name] ?? throw new JsonException($"\"{name}\" is missing");

    private static IEnumerable<JsonObject> Array(JsonObject o, string name) =>
        (Required(o, name) as JsonArray ?? throw new JsonException($"\"{name}\" is not an array"))
        .Select((n, i) => n as JsonObject ?? throw new JsonException($"\"{name}\"[{i}] is not an object"));

    private static string Text(JsonObject o, string name) =>
        Required(o, name).GetValue<string>() is { Length: > 0 } s ? s : throw new JsonException($"\"{name}\" is empty");

    private static DistanceMetric Metric(JsonObject o)
    {
        string name = Text(o, "metric");
        return Enum.GetValues<DistanceMetric>().Cast<DistanceMetric?>().FirstOrDefault(m => MetricName(m!.Value) == name)
            ?? throw new JsonException($"\"metric\" is '{name}'; expected squaredEuclidean, euclidean or cosine");
    }

    private static int Count(JsonObject o, string name) =>
        Required(o, name).GetValue<int>() is int v && v >= 1 ? v : throw new JsonException($"\"{name}\" must be at least 1");

    private static double Finite(JsonObject o, string name) =>
        Required(o, name).GetValue<double>() is double v && double.IsFinite(v) ? v : throw new JsonException($"\"{name}\" must be finite");

    private static double Positive(JsonObject o, string name) =>
        Finite(o, name) is double v && v > 0 ? v : throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"\"{name}\" is {v}; expected a number greater than 0"));

    private static double NotNegative(JsonObject o, string name) =>
        Finite(o, name) is double v && v >= 0 ? v : throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"\"{name}\" is {v}; expected a number of at least 0"));

    private static double Rate(JsonObject o, string name) =>
        Finite(o, name) is double v && v >= 0 && v <= 1 ? v : throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"\"{name}\" is {v}; expected a rate in [0, 1]"));
}
