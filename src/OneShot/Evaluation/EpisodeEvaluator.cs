using System.Diagnostics;
using System.Globalization;
using OneShot.Classification;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Training;
using static TorchSharp.torch;

namespace OneShot.Evaluation;

/// <summary>
/// Measures few-shot accuracy the standard way: over E seeded N-way K-shot Q-query episodes, fit the few-shot method of
/// <see cref="EpisodeEvaluationOptions.Classifier"/> (any <see cref="IFewShotClassifier"/>; by default the nearest
/// prototype) to the support embeddings, classify each query, and report the mean per-episode accuracy with its 95%
/// confidence interval (see <see cref="ConfidenceInterval"/>).
/// </summary>
/// <remarks>
/// Episodes are those of <see cref="EpisodeSampler.Sample(int, long)"/> for the seed, so a result can be reproduced
/// exactly. Embeddings come from <see cref="IEmbedder.Embed"/> (evaluation mode). When the episodes would read at
/// least as many images as the dataset holds, every item is embedded once and episodes pick from those embeddings.
/// </remarks>
public sealed class EpisodeEvaluator
{
    /// <summary>Creates an evaluator for <paramref name="options"/> (default: 5-way 1-shot, 15 queries, 1,000 episodes, seed 1).</summary>
    public EpisodeEvaluator(EpisodeEvaluationOptions? options = null)
    {
        Options = options ?? new EpisodeEvaluationOptions();
    }

    /// <summary>The protocol.</summary>
    public EpisodeEvaluationOptions Options { get; }

    /// <summary>Evaluates <paramref name="embedder"/> with the method of <see cref="EpisodeEvaluationOptions.Classifier"/> on episodes drawn from <paramref name="dataset"/>.</summary>
    /// <param name="embedder">The embedder to measure.</param>
    /// <param name="dataset">The (usually unseen) classes to draw episodes from.</param>
    /// <param name="progress">Receives a report after every episode.</param>
    /// <param name="cancellationToken">Stops between episodes.</param>
    /// <exception cref="ArgumentException">The dataset cannot provide the episodes, or its items do not fit the embedder.</exception>
    /// <exception cref="OperationCanceledException">The evaluation was cancelled.</exception>
    public EvaluationResult Evaluate(
        IEmbedder embedder,
        IClassDataset dataset,
        IProgress<EvaluationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var run = Run(embedder, dataset, progress, cancellationToken);
        var o = Options;
        var ci = ConfidenceInterval.Compute(run.Accuracies);
        return new EvaluationResult(ci.Mean, ci.HalfWidth95, ci.StandardDeviation, o.Way, o.Shot, o.Query, o.Episodes, o.Seed, o.Classifier, run.WallTime)
        {
            Calibration = ReliabilityDiagram.Compute(run.Confidences, run.Correct),
            OpenSet = o.UnknownWay == 0 ? null : OpenSet(run, o),
        };
    }

    /// <summary>Runs the episodes and keeps every query's outcome.</summary>
    internal EvaluationRun Run(IEmbedder embedder, IClassDataset dataset, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(dataset);
        DatasetShape.EnsureFits(embedder, dataset, nameof(dataset));

        var o = Options;
        int classesPerEpisode = o.Way + o.UnknownWay;
        var sampler = new EpisodeSampler(dataset, classesPerEpisode, o.Shot, o.Query, o.Constraints());
        var clock = Stopwatch.StartNew();
        long imagesInDataset = sampler.EligibleClasses.Sum(k => (long)dataset.CountOf(k));
        long imagesInEpisodes = (long)o.Episodes * classesPerEpisode * (o.Shot + o.Query);
        bool embedAll = o.EmbedAllOnce ?? imagesInEpisodes >= imagesInDataset;
        using var cache = embedAll ? DatasetEmbeddings.Build(embedder, dataset, sampler.EligibleClasses, cancellationToken) : null;
        var classifier = o.Classifier.CreateClassifier();
        string[] names = [.. Enumerable.Range(0, o.Way).Select(c => c.ToString(CultureInfo.InvariantCulture))];
        string[] supportLabels = [.. Enumerable.Range(0, o.Way * o.Shot).Select(i => names[i / o.Shot])];

        var run = new EvaluationRun(o.Episodes);
        double sum = 0;
        for (int e = 0; e < o.Episodes; e++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var plan = o.PlanOf(sampler, e);
            using (var scope = NewDisposeScope())
            {
                Tensor support, query;
                if (cache is not null)
                {
                    (support, query) = cache.Gather(plan);
                }
                else
                {
                    using var episode = sampler.Load(plan);
                    var embeddings = embedder.Embed(cat(new[] { episode.Support, episode.Query }, 0));
                    support = embeddings.narrow(0, 0, episode.Support.shape[0]);
                    query = embeddings.narrow(0, episode.Support.shape[0], episode.Query.shape[0]);
                }

                using var fitted = classifier.Fit(support.narrow(0, 0, o.Way * o.Shot), supportLabels);
                var predictions = fitted.Predict(query);
                int correct = 0;
                for (int i = 0; i < o.Way * o.Query; i++)
                {
                    bool right = predictions[i].Label == names[i / o.Query];
                    correct += right ? 1 : 0;
                    run.Add(predictions[i], right);
                }

                for (int i = o.Way * o.Query; i < predictions.Count; i++)
                {
                    run.AddUnknown(predictions[i]);
                }

                run.Accuracies[e] = (double)correct / (o.Way * o.Query);
            }

            sum += run.Accuracies[e];
            if (progress is not null)
            {
                var elapsed = clock.Elapsed;
                var eta = TimeSpan.FromTicks(elapsed.Ticks / (e + 1) * (o.Episodes - e - 1));
                progress.Report(new EvaluationProgress(e + 1, o.Episodes, sum / (e + 1), elapsed, eta));
            }
        }

        run.WallTime = clock.Elapsed;
        return run;
    }

    private static OpenSetResult OpenSet(EvaluationRun run, EpisodeEvaluationOptions o)
    {
        double auroc = OpenSetScores.Auroc(run.KnownSimilarities, run.UnknownSimilarities);
        if (o.Classifier.UnknownThreshold is null)
        {
            return new OpenSetResult(auroc, run.KnownSimilarities.Count, run.UnknownSimilarities.Count, null, null, null);
        }

        double far = (double)run.UnknownAccepted / run.UnknownSimilarities.Count;
        double frr = (double)run.KnownRejected / run.KnownSimilarities.Count;
        return new OpenSetResult(auroc, run.KnownSimilarities.Count, run.UnknownSimilarities.Count, o.Classifier.UnknownThreshold, far, frr);
    }
}
