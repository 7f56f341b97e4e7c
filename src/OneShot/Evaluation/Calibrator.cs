using System.Text.Json.Nodes;
using OneShot.Classification;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Training;
using static TorchSharp.torch;

namespace OneShot.Evaluation;

/// <summary>
/// Fits what makes a few-shot classifier's outputs mean what they say, on episodes of held-out classes (a validation
/// split, never the test classes): the softmax temperature (<see cref="FitTemperature"/>) and the open-set threshold
/// for a target false-accept rate (<see cref="FitUnknownThreshold"/>). Store both with <see cref="ModelCalibration"/>.
/// </summary>
public static class Calibrator
{
    private const double MinimumProbability = 1e-12;

    /// <summary>
    /// The temperature minimising the mean negative log-likelihood of the right class over the episodes of
    /// <paramref name="options"/> (its classifier, way, shot, queries, episodes and seed), searched over 10⁻³..10³ times
    /// the classifier's current temperature (a log-spaced grid, then golden-section refinement).
    /// </summary>
    /// <param name="embedder">The embedder.</param>
    /// <param name="dataset">Held-out classes (for example Omniglot's validation split).</param>
    /// <param name="options">The episodes and the classifier.</param>
    /// <param name="fittedOn">What <paramref name="dataset"/> is, stored with the result (for example <c>omniglot/val</c>).</param>
    /// <param name="cancellationToken">Stops between episodes.</param>
    /// <exception cref="ArgumentException">The dataset cannot provide the episodes, or its items do not fit the embedder.</exception>
    public static TemperatureCalibration FitTemperature(
        IEmbedder embedder,
        IClassDataset dataset,
        EpisodeEvaluationOptions options,
        string fittedOn,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(fittedOn);
        DatasetShape.EnsureFits(embedder, dataset, nameof(dataset));
        var o = options with { UnknownWay = 0 };
        var sampler = new EpisodeSampler(dataset, o.Way, o.Shot, o.Query, o.Constraints());
        string[] names = [.. Enumerable.Range(0, o.Way).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        string[] supportLabels = [.. Enumerable.Range(0, o.Way * o.Shot).Select(i => names[i / o.Shot])];
        var episodes = new List<(Tensor Support, Tensor Query)>(o.Episodes);
        try
        {
            using (var cache = DatasetEmbeddings.Build(embedder, dataset, sampler.EligibleClasses, cancellationToken))
            {
                for (int e = 0; e < o.Episodes; e++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var (support, query) = cache.Gather(o.PlanOf(sampler, e));
                    episodes.Add((support, query));
                }
            }

            // The library's one temperature rule: probabilities are softmax(logit / T), so log p at T0 gives logit / T0 up
            // to a per-row constant, and any temperature T is softmax(log p · T0 / T). One pass of the classifier suffices.
            double t0 = o.Classifier.Temperature;
            var (logP, classes) = LogProbabilities(o.Classifier, episodes, supportLabels);
            var before = Score(logP, classes, o.Query, 1.0);
            double best = Minimise(logT => Score(logP, classes, o.Query, t0 / Math.Exp(logT)).Nll, Math.Log(t0), Math.Log(1000));
            double temperature = Math.Exp(best);
            var after = Score(logP, classes, o.Query, t0 / temperature);
            return new TemperatureCalibration(
                TypeName(o.Classifier), o.Classifier.Metric, temperature, fittedOn, o.Way, o.Shot, o.Episodes, o.Seed, before.Nll, after.Nll, before.Ece, after.Ece)
            {
                TestTimeAugmentation = AugmentationOf(embedder),
            };
        }
        finally
        {
            foreach (var (support, query) in episodes)
            {
                support.Dispose();
                query.Dispose();
            }
        }
    }

    /// <summary>
    /// The open-set threshold with the fewest false rejects whose false-accept rate on the episodes of
    /// <paramref name="options"/> is at most <paramref name="targetFalseAcceptRate"/>: each episode adds
    /// <see cref="EpisodeEvaluationOptions.UnknownWay"/> classes (default 5 when it is 0) whose queries must be rejected.
    /// </summary>
    /// <param name="embedder">The embedder.</param>
    /// <param name="dataset">Held-out classes (for example Omniglot's validation split).</param>
    /// <param name="options">The episodes and the classifier (its own threshold is ignored).</param>
    /// <param name="targetFalseAcceptRate">The largest acceptable fraction of unknown queries accepted, in [0, 1].</param>
    /// <param name="fittedOn">What <paramref name="dataset"/> is, stored with the result.</param>
    /// <param name="cancellationToken">Stops between episodes.</param>
    /// <exception cref="ArgumentException">The dataset cannot provide the episodes, or its items do not fit the embedder.</exception>
    public static UnknownThresholdCalibration FitUnknownThreshold(
        IEmbedder embedder,
        IClassDataset dataset,
        EpisodeEvaluationOptions options,
        double targetFalseAcceptRate,
        string fittedOn,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(fittedOn);
        var o = options with
        {
            UnknownWay = options.UnknownWay == 0 ? 5 : options.UnknownWay,
            Classifier = options.Classifier with { UnknownThreshold = null },
        };
        var run = new EpisodeEvaluator(o).Run(embedder, dataset, null, cancellationToken);
        var fit = FitThreshold(run.KnownSimilarities, run.UnknownSimilarities, targetFalseAcceptRate);
        double threshold = run.ScoreKind.IsLowerBetter() ? -fit.Threshold : fit.Threshold;
        return new UnknownThresholdCalibration(
            TypeName(o.Classifier), o.Classifier.Metric, Math.Max(0, threshold), targetFalseAcceptRate, fit.FalseAcceptRate, fit.FalseRejectRate,
            OpenSetScores.Auroc(run.KnownSimilarities, run.UnknownSimilarities), fittedOn, o.Way, o.Shot, o.Episodes, o.Seed)
        {
            TestTimeAugmentation = AugmentationOf(embedder),
        };
    }

    /// <summary>The similarity threshold (accept when similarity ≥ threshold) with the fewest false rejects at FAR ≤ target.</summary>
    internal static ThresholdCalibrationResult FitThreshold(IReadOnlyList<double> known, IReadOnlyList<double> unknown, double targetFalseAcceptRate) =>
        ThresholdCalibration.ForFalseAcceptRate([.. known, .. unknown], [.. known.Select(_ => true), .. unknown.Select(_ => false)], targetFalseAcceptRate);

    /// <summary>The test-time augmentation <paramref name="embedder"/> averages over (its text), or null for plain embeddings.</summary>
    internal static string? AugmentationOf(IEmbedder embedder) => (embedder as AugmentedEmbedder)?.Augmentation.ToString();

    /// <summary>The registry name of the classifier's type.</summary>
    internal static string TypeName(ClassifierOptions options) =>
        JsonNode.Parse(ClassifierRegistry.ToJson(options))!["type"]!.GetValue<string>();

    /// <summary>Minimises a unimodal function of x over [center − halfWidth, center + halfWidth]: a 25-point grid, then golden-section search.</summary>
    internal static double Minimise(Func<double, double> f, double center, double halfWidth)
    {
        const int Grid = 25;
        double step = 2 * halfWidth / (Grid - 1);
        double[] xs = [.. Enumerable.Range(0, Grid).Select(i => center - halfWidth + (i * step))];
        double[] ys = [.. xs.Select(f)];
        int best = Array.IndexOf(ys, ys.Min());
        double a = xs[Math.Max(0, best - 1)], b = xs[Math.Min(Grid - 1, best + 1)];
        double ratio = (Math.Sqrt(5) - 1) / 2;
        double c = b - (ratio * (b - a)), d = a + (ratio * (b - a));
        double fc = f(c), fd = f(d);
        for (int i = 0; i < 30; i++)
        {
            if (fc < fd)
            {
                b = d;
                d = c;
                fd = fc;
                c = b - (ratio * (b - a));
                fc = f(c);
            }
            else
            {
                a = c;
                c = d;
                fc = fd;
                d = a + (ratio * (b - a));
                fd = f(d);
            }
        }

        double x = (a + b) / 2;
        return f(x) <= ys[best] ? x : xs[best];
    }

    /// <summary>Every query's log-probabilities (floored at the smallest float) at the classifier's temperature, episode after episode.</summary>
    private static (List<double[]> LogP, int Classes) LogProbabilities(ClassifierOptions options, List<(Tensor Support, Tensor Query)> episodes, string[] supportLabels)
    {
        var classifier = options.CreateClassifier();
        var rows = new List<double[]>();
        int classes = 0;
        foreach (var (support, queries) in episodes)
        {
            using var scope = NewDisposeScope();
            using var fitted = classifier.Fit(support, supportLabels);
            using var probabilities = fitted.PredictProbabilities(queries);
            classes = fitted.Classes.Count;
            rows.Add([.. probabilities.data<float>().ToArray().Select(p => Math.Log(Math.Max(p, float.Epsilon)))]);
        }

        return (rows, classes);
    }

    /// <summary>Mean NLL and ECE of softmax(log p · <paramref name="scale"/>); classes are in order of first appearance, so query i is class i / Q.</summary>
    private static (double Nll, double Ece) Score(List<double[]> logP, int classes, int query, double scale)
    {
        double nll = 0;
        int count = 0;
        var confidences = new List<double>();
        var correct = new List<bool>();
        var row = new double[classes];
        foreach (double[] episode in logP)
        {
            for (int i = 0; i < episode.Length / classes; i++)
            {
                double max = double.NegativeInfinity;
                for (int k = 0; k < classes; k++)
                {
                    row[k] = episode[(i * classes) + k] * scale;
                    max = Math.Max(max, row[k]);
                }

                double sum = 0;
                int predicted = 0;
                for (int k = 0; k < classes; k++)
                {
                    sum += Math.Exp(row[k] - max);
                    predicted = row[k] > row[predicted] ? k : predicted;
                }

                int truth = i / query;
                nll -= Math.Max(row[truth] - max - Math.Log(sum), Math.Log(MinimumProbability));
                confidences.Add(Math.Clamp(Math.Exp(row[predicted] - max) / sum, 0, 1));
                correct.Add(predicted == truth);
                count++;
            }
        }

        return (nll / count, ReliabilityDiagram.Compute(confidences, correct).ExpectedCalibrationError);
    }
}
