using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// The shared part of every fitted classifier: options, classes, embedding size, disposal, query checks and turning
/// per-class scores into ranked <see cref="Prediction"/>s. A method derives from it and supplies only
/// <see cref="Score"/> (and <see cref="Dispose(bool)"/> for what it owns).
/// </summary>
/// <typeparam name="TOptions">The options type of the method.</typeparam>
/// <remarks>
/// <para>
/// Candidates are ordered by probability (highest first), then by score (best first for the <see cref="ScoreKind"/>),
/// then by first appearance in the support labels, so ties are broken deterministically. A query is
/// <see cref="Prediction.UnknownLabel"/> when <see cref="ClassifierOptions.UnknownThreshold"/> is set and the best
/// candidate's score is worse than it (see <see cref="ScoreKind"/>).
/// </para>
/// <para>
/// <see cref="Predict"/> and <see cref="PredictProbabilities"/> are safe to call from many threads at once when
/// <see cref="Score"/> is; <see cref="Dispose()"/> is not.
/// </para>
/// </remarks>
public abstract class FittedClassifier<TOptions> : IFittedClassifier
    where TOptions : ClassifierOptions
{
    private readonly string[] _classes;
    private bool _disposed;

    /// <summary>Initialises the shared state.</summary>
    /// <param name="options">The options the classifier was fitted with.</param>
    /// <param name="classes">The classes, in order of first appearance in the support labels (at least one).</param>
    /// <param name="embeddingSize">The embedding length D queries must have (at least 1).</param>
    /// <param name="scoreKind">What the scores of <see cref="Score"/> measure.</param>
    /// <exception cref="ArgumentException">An argument is null, empty or out of range.</exception>
    protected FittedClassifier(TOptions options, IReadOnlyList<string> classes, int embeddingSize, ScoreKind scoreKind)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingSize, 1);
        if (classes.Count == 0)
        {
            throw new ArgumentException("A fitted classifier needs at least one class.", nameof(classes));
        }

        if (!Enum.IsDefined(scoreKind))
        {
            throw new ArgumentOutOfRangeException(nameof(scoreKind), scoreKind, "Unknown score kind.");
        }

        Options = options;
        _classes = [.. classes];
        EmbeddingSize = embeddingSize;
        ScoreKind = scoreKind;
    }

    /// <inheritdoc cref="IFittedClassifier.Options" />
    public TOptions Options { get; }

    /// <inheritdoc />
    ClassifierOptions IFittedClassifier.Options => Options;

    /// <inheritdoc />
    public IReadOnlyList<string> Classes => _classes;

    /// <inheritdoc />
    public int EmbeddingSize { get; }

    /// <summary>What the scores of the predictions measure.</summary>
    public ScoreKind ScoreKind { get; }

    /// <summary>True once <see cref="Dispose()"/> ran.</summary>
    protected bool IsDisposed => _disposed;

    /// <inheritdoc />
    public IReadOnlyList<Prediction> Predict(Tensor queries)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var scores = ScoreQueries(queries);
        int c = _classes.Length;
        var predictions = new Prediction[scores.QueryCount];
        for (int i = 0; i < predictions.Length; i++)
        {
            predictions[i] = Build(scores.ScoreArray.AsSpan(i * c, c), scores.ProbabilityArray.AsSpan(i * c, c));
        }

        return predictions;
    }

    /// <inheritdoc />
    public Tensor PredictProbabilities(Tensor queries)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var scores = ScoreQueries(queries);
        return tensor(scores.ProbabilityArray, [scores.QueryCount, _classes.Length]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Dispose(disposing: true);
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>
    /// Scores every query against every class. Runs inside a dispose scope (tensors created here are freed afterwards)
    /// and under <c>no_grad</c>.
    /// </summary>
    /// <param name="queries">The checked queries: float32 CPU <c>[Q,D]</c> with D = <see cref="EmbeddingSize"/>.</param>
    /// <returns>Q rows of <see cref="Classes"/>.Count scores and probabilities.</returns>
    protected abstract ClassScores Score(Tensor queries);

    /// <summary>Releases what the classifier owns (tensors); called once by <see cref="Dispose()"/>.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Checks the queries and brings them to float32 CPU <c>[Q,D]</c> in the current dispose scope.</summary>
    private protected virtual Tensor PrepareQueries(Tensor queries) => SupportSet.PrepareQueries(queries, EmbeddingSize);

    private ClassScores ScoreQueries(Tensor queries)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var q = PrepareQueries(queries);
        var scores = Score(q) ?? throw new InvalidOperationException($"{GetType().Name}.Score returned null.");
        if (scores.QueryCount != q.shape[0] || scores.ScoreArray.Length != scores.QueryCount * _classes.Length)
        {
            throw new InvalidOperationException(
                $"{GetType().Name}.Score returned {scores.QueryCount} rows of {scores.ScoreArray.Length / Math.Max(1, scores.QueryCount)} scores; expected {q.shape[0]} rows of {_classes.Length}.");
        }

        return scores;
    }

    private Prediction Build(ReadOnlySpan<float> scores, ReadOnlySpan<float> probabilities)
    {
        int c = scores.Length;
        float[] s = scores.ToArray(), p = probabilities.ToArray();
        bool lowerBetter = ScoreKind.IsLowerBetter();
        int[] order = [.. Enumerable.Range(0, c)];
        Array.Sort(order, (a, b) =>
            p[a] != p[b] ? p[b].CompareTo(p[a])
            : s[a] != s[b] ? (lowerBetter ? s[a].CompareTo(s[b]) : s[b].CompareTo(s[a]))
            : a.CompareTo(b));
        int count = Math.Min(Options.TopK, c);
        var top = new LabelScore[count];
        for (int i = 0; i < count; i++)
        {
            top[i] = new LabelScore(_classes[order[i]], s[order[i]], p[order[i]]);
        }

        var best = top[0];
        bool unknown = Options.UnknownThreshold is double threshold && ScoreKind.IsWorseThan(best.Score, threshold);
        return new Prediction(unknown ? Prediction.UnknownLabel : best.Label, best.Score, ScoreKind, best.Probability, unknown, top);
    }
}
