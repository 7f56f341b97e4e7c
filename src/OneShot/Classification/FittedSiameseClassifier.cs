using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// A <see cref="SiameseClassifier"/> fitted to a support set. A class's score for a query is the best pair score
/// over the class's support embeddings; candidates are ordered by that score, highest first (ties go to the class
/// that appeared first in the support labels).
/// </summary>
/// <remarks>
/// <see cref="Predict"/> and <see cref="PredictProbabilities"/> are safe to call from many threads at once;
/// <see cref="Dispose"/> is not.
/// </remarks>
public sealed class FittedSiameseClassifier : IFittedClassifier
{
    private readonly Tensor _support;
    private readonly string[] _classes;
    private readonly int[] _classIndices;
    private bool _disposed;

    internal FittedSiameseClassifier(SiameseClassifierOptions options, SupportSet support, Tensor embeddings)
    {
        Options = options;
        _classes = support.Classes;
        _classIndices = support.ClassIndices;
        _support = embeddings;
        EmbeddingSize = support.EmbeddingSize;
    }

    /// <inheritdoc cref="IFittedClassifier.Options" />
    public SiameseClassifierOptions Options { get; }

    /// <inheritdoc />
    ClassifierOptions IFittedClassifier.Options => Options;

    /// <inheritdoc />
    public IReadOnlyList<string> Classes => _classes;

    /// <inheritdoc />
    public int EmbeddingSize { get; }

    /// <inheritdoc />
    public IReadOnlyList<Prediction> Predict(Tensor queries)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        var (scores, probabilities) = Score(queries);
        int c = _classes.Length;
        int q = scores.Length / c;
        float[] p = probabilities.data<float>().ToArray();
        var predictions = new Prediction[q];
        for (int i = 0; i < q; i++)
        {
            float[] keys = scores.AsSpan(i * c, c).ToArray();
            float[] distances = [.. keys.Select(s => (float)Options.Head.ToDistance(s))];
            int[] order = Enumerable.Range(0, c).ToArray();
            Array.Sort(order, (a, b) => keys[a] != keys[b] ? keys[b].CompareTo(keys[a]) : a.CompareTo(b));
            predictions[i] = PredictionBuilder.Build(_classes, Options, distances, p.AsSpan(i * c, c), order);
        }

        return predictions;
    }

    /// <inheritdoc />
    public Tensor PredictProbabilities(Tensor queries)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        return Score(queries).Probabilities.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _support.Dispose();
        }
    }

    /// <summary>The class scores <c>[Q·C]</c> row-major and the probabilities <c>[Q,C]</c> (in the current scope).</summary>
    private (float[] Scores, Tensor Probabilities) Score(Tensor queries)
    {
        using var noGrad = no_grad();
        var q = SupportSet.PrepareQueries(queries, EmbeddingSize);
        var pairScores = Options.Head.ScoreMatrix(q, _support).contiguous();
        int rows = (int)pairScores.shape[0], s = _classIndices.Length, c = _classes.Length;
        float[] pairs = pairScores.data<float>().ToArray();
        var scores = new float[rows * c];
        Array.Fill(scores, float.NegativeInfinity);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < s; j++)
            {
                int cell = (i * c) + _classIndices[j];
                scores[cell] = Math.Max(scores[cell], pairs[(i * s) + j]);
            }
        }

        var probabilities = tensor(scores, [rows, c]).div(Options.Temperature).softmax(1).contiguous();
        return (scores, probabilities);
    }
}
