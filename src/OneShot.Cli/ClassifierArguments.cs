using System.CommandLine;
using OneShot.Classification;
using OneShot.Verification;

namespace OneShot.Cli;

/// <summary>
/// The options that choose the few-shot method: <c>--classifier prototype|knn|probe|cosine-head|siamese|finetune</c>
/// with <c>--metric</c>, <c>--temperature</c>, <c>--k</c>, <c>--weighting</c>, <c>--steps</c>, <c>--learning-rate</c>
/// and <c>--siamese-model</c>.
/// </summary>
internal sealed class ClassifierArguments
{
    /// <summary>The method names <c>--classifier</c> takes.</summary>
    public static readonly string[] Names = ["prototype", "knn", "probe", "cosine-head", "siamese", "finetune"];

    public Option<string?> Classifier { get; } = new("--classifier")
    {
        Description = "The few-shot method: prototype (nearest class mean), knn (k nearest neighbours), probe (linear probe), cosine-head (Baseline++), siamese (a Siamese pair head) or finetune.",
    };

    public Option<string?> Metric { get; } = new("--metric") { Description = "prototype/knn distance: squared-euclidean (default), euclidean or cosine." };

    public Option<double?> Temperature { get; } = new("--temperature") { Description = "Softmax temperature: probabilities are softmax(-distance / T). Default 0.1 for cosine distances, 1 otherwise." };

    public Option<int?> K { get; } = new("--k") { Description = "knn: how many nearest examples vote (default 3)." };

    public Option<string?> Weighting { get; } = new("--weighting") { Description = "knn: distance (default) or uniform votes." };

    public Option<int?> Steps { get; } = new("--steps") { Description = "probe/cosine-head: full-batch Adam steps (defaults 200 / 50)." };

    public Option<double?> LearningRate { get; } = new("--learning-rate") { Description = "probe/cosine-head: the Adam learning rate (defaults 0.05 / 0.01)." };

    public Option<double?> UnknownFar { get; } = new("--unknown-far") { Description = "Open set: reject queries with the threshold fitted for this false-accept rate (from the model's calibration.json; fit it with 'oneshot calibrate --target-far')." };

    public Option<string?> SiameseModel { get; } = new("--siamese-model") { Description = "siamese: a model folder saved by 'oneshot train-siamese', whose pair head scores the pairs (default: --model when it is one)." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Classifier, Metric, Temperature, K, Weighting, Steps, LearningRate, SiameseModel, UnknownFar })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>True when any option of this group was given.</summary>
    public bool AnyGiven(ParseResult result) =>
        result.GetValue(Classifier) is not null || result.GetValue(Metric) is not null || result.GetValue(Temperature) is not null
        || result.GetValue(K) is not null || result.GetValue(Weighting) is not null || result.GetValue(Steps) is not null
        || result.GetValue(LearningRate) is not null || result.GetValue(SiameseModel) is not null || result.GetValue(UnknownFar) is not null;

    /// <summary>
    /// The classifier asked for, starting from <paramref name="fallback"/> when <c>--classifier</c> is not given (its
    /// settings kept unless overridden); a bad name, value or missing input is a usage error naming the option.
    /// </summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="fallback">The classifier to refine when <c>--classifier</c> is absent.</param>
    /// <param name="modelDir">The <c>--model</c> folder, where a Siamese head may come from; null when unknown.</param>
    /// <param name="finetuneHint">Why finetune is not available from this command, and what to use instead.</param>
    public ClassifierOptions Resolve(ParseResult result, ClassifierOptions fallback, string? modelDir, string finetuneHint, string? testTimeAugmentation = null)
    {
        string? name = result.GetValue(Classifier);
        ClassifierOptions options = name switch
        {
            null => fallback,
            "prototype" => new PrototypeClassifierOptions(),
            "knn" => new KNearestNeighborOptions(),
            "probe" => new LinearProbeClassifierOptions(),
            "cosine-head" => new CosineHeadClassifierOptions(),
            "siamese" => new SiameseClassifierOptions { Head = LoadHead(result.GetValue(SiameseModel), modelDir) },
            "finetune" => throw new ArgumentException($"--classifier finetune fine-tunes the embedder on the support images: {finetuneHint}"),
            _ => throw new ArgumentException($"--classifier must be one of {string.Join(", ", Names)}; got '{name}'."),
        };
        if (name is not "siamese" && result.GetValue(SiameseModel) is not null)
        {
            throw new ArgumentException("--siamese-model applies to --classifier siamese only.");
        }

        if (result.GetValue(Metric) is { } metric)
        {
            options = options with { Metric = ParseMetric(metric) };
        }

        if (result.GetValue(Temperature) is { } temperature)
        {
            options = options with { Temperature = Positive(temperature, "--temperature") };
        }
        else if (modelDir is not null && Evaluation.ModelCalibration.Load(modelDir) is { } calibration)
        {
            options = calibration.ApplyTo(options, testTimeAugmentation);
        }

        if (result.GetValue(UnknownFar) is { } far)
        {
            var fitted = (modelDir is null ? null : Evaluation.ModelCalibration.Load(modelDir))?.UnknownThresholdFor(options, far, testTimeAugmentation)
                ?? throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"--unknown-far {far}: the model '{modelDir}' has no open-set threshold fitted for this rate and classifier{(testTimeAugmentation is null ? "" : $" with --tta {testTimeAugmentation}")}; fit one with 'oneshot calibrate --model {modelDir} ... --target-far {far}{(testTimeAugmentation is null ? "" : $" --tta {testTimeAugmentation}")}'."));
            options = options with { UnknownThreshold = fitted.Threshold };
        }

        return Specific(result, options);
    }

    private ClassifierOptions Specific(ParseResult result, ClassifierOptions options)
    {
        int? k = result.GetValue(K);
        string? weighting = result.GetValue(Weighting);
        int? steps = result.GetValue(Steps);
        double? rate = result.GetValue(LearningRate);
        if (options is not KNearestNeighborOptions && (k is not null || weighting is not null))
        {
            throw new ArgumentException("--k and --weighting apply to --classifier knn only.");
        }

        if (options is not (LinearProbeClassifierOptions or CosineHeadClassifierOptions) && (steps is not null || rate is not null))
        {
            throw new ArgumentException("--steps and --learning-rate apply to --classifier probe or cosine-head only.");
        }

        return options switch
        {
            KNearestNeighborOptions knn => knn with
            {
                K = k is { } kk ? (kk >= 1 ? kk : throw new ArgumentException($"--k must be at least 1; got {kk}.")) : knn.K,
                Weighting = weighting switch
                {
                    null => knn.Weighting,
                    "distance" => NeighborWeighting.Distance,
                    "uniform" => NeighborWeighting.Uniform,
                    _ => throw new ArgumentException($"--weighting must be distance or uniform; got '{weighting}'."),
                },
            },
            LinearProbeClassifierOptions probe => probe with
            {
                Steps = steps is { } s ? (s >= 1 ? s : throw new ArgumentException($"--steps must be at least 1; got {s}.")) : probe.Steps,
                LearningRate = rate is { } r ? Positive(r, "--learning-rate") : probe.LearningRate,
            },
            CosineHeadClassifierOptions head => head with
            {
                Steps = steps is { } s ? (s >= 0 ? s : throw new ArgumentException($"--steps must be at least 0; got {s}.")) : head.Steps,
                LearningRate = rate is { } r ? Positive(r, "--learning-rate") : head.LearningRate,
            },
            _ => options,
        };
    }

    private static SiameseHead LoadHead(string? siameseDir, string? modelDir)
    {
        const string Needs = "--classifier siamese needs a pair head: give --siamese-model DIR, a model folder saved by 'oneshot train-siamese'";
        if (siameseDir is not null)
        {
            using var model = Verification.SiameseModel.Load(siameseDir, Embeddings.DeviceChoice.Cpu);
            return model.Head;
        }

        if (modelDir is null)
        {
            throw new ArgumentException($"{Needs}.");
        }

        if (Serialization.ModelFile.ReadMetadata(modelDir).SiameseHead is null)
        {
            throw new ArgumentException($"{Needs} (the model '{modelDir}' is a plain embedder without one).");
        }

        using var fromModel = Verification.SiameseModel.Load(modelDir, Embeddings.DeviceChoice.Cpu);
        return fromModel.Head;
    }

    private static DistanceMetric ParseMetric(string text) => text switch
    {
        "squared-euclidean" => DistanceMetric.SquaredEuclidean,
        "euclidean" => DistanceMetric.Euclidean,
        "cosine" => DistanceMetric.Cosine,
        _ => throw new ArgumentException($"--metric must be squared-euclidean, euclidean or cosine; got '{text}'."),
    };

    private static double Positive(double value, string name) =>
        double.IsFinite(value) && value > 0 ? value : throw new ArgumentException($"{name} must be a positive finite number; got {value}.");
}
