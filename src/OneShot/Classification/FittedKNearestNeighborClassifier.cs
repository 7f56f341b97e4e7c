using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// A <see cref="KNearestNeighborClassifier"/> fitted to a support set (it keeps a copy of every support embedding).
/// </summary>
/// <remarks>
/// <para>
/// For each query the k nearest support embeddings (ties by support order) vote for their classes. A class's
/// <see cref="LabelScore.Distance"/> is the distance to its nearest support embedding. Its probability is its
/// share of the votes tempered by the temperature, <c>vote^(1/T) / Σ vote^(1/T)</c> (a softmax over
/// <c>log(vote) / T</c>): with weighted votes and k = 1 that is a softmax over negative log distances; classes
/// with no vote among the k neighbours get probability 0. Candidates are ordered by vote, then distance, then
/// first appearance in the support labels, so ties are broken deterministically.
/// </para>
/// <para>
/// <see cref="Predict"/> and <see cref="PredictProbabilities"/> are safe to call from many threads at once;
/// <see cref="Dispose"/> is not.
/// </para>
/// </remarks>
public sealed class FittedKNearestNeighborClassifier : IFittedClassifier
{
    /// <summary>The ε in distance-weighted votes <c>1 / (distance + ε)</c>, so an exact match has a finite weight.</summary>
    public const double WeightEpsilon = 1e-6;

    private readonly Tensor _support;
    private readonly string[] _classes;
    private readonly int[] _classIndices;
    private bool _disposed;

    internal FittedKNearestNeighborClassifier(KNearestNeighborOptions options, SupportSet support, Tensor embeddings)
    {
        Options = options;
        _classes = support.Classes;
        _classIndices = support.ClassIndices;
        _support = embeddings;
        EmbeddingSize = support.EmbeddingSize;
    }

    /// <inheritdoc cref="IFittedClassifier.Options" />
    public KNearestNeighborOptions Options { get; }

    /// <inheritdoc />
    ClassifierOptions IFittedClassifier.Options => Options;

    /// <inheritdoc />
    public IReadOnlyList<string> Classes => _classes;

    /// <inheritdoc />
    public int EmbeddingSize { get; }

    /// <inheritdoc />
    public IReadOnlyList<Prediction> Predict(Tensor queries)
    {
        var scores = Score(queries, out int q);
        var predictions = new Prediction[q];
        for (int i = 0; i < q; i++)
        {
            var row = scores[i];
            predictions[i] = PredictionBuilder.Build(_classes, Options, row.Distances, row.Probabilities, row.Order);
        }

        return predictions;
    }

    /// <inheritdoc />
    public Tensor PredictProbabilities(Tensor queries)
    {
        var scores = Score(queries, out int q);
        int c = _classes.Length;
        var flat = new float[q * c];
        for (int i = 0; i < q; i++)
        {
            scores[i].Probabilities.CopyTo(flat, i * c);
        }

        return tensor(flat, [q, c]);
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

    private Row[] Score(Tensor queries, out int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        float[] d;
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            var q = SupportSet.PrepareQueries(queries, EmbeddingSize);
            d = Distances.Compute(q, _support, Options.Metric).contiguous().data<float>().ToArray();
            count = (int)q.shape[0];
        }

        int s = _classIndices.Length;
        var rows = new Row[count];
        for (int i = 0; i < count; i++)
        {
            rows[i] = ScoreRow(d.AsSpan(i * s, s));
        }

        return rows;
    }

    private Row ScoreRow(ReadOnlySpan<float> distances)
    {
        int c = _classes.Length;
        var nearest = new float[c];
        Array.Fill(nearest, float.PositiveInfinity);
        for (int j = 0; j < distances.Length; j++)
        {
            int cls = _classIndices[j];
            if (distances[j] < nearest[cls])
            {
                nearest[cls] = distances[j];
            }
        }

        var votes = new double[c];
        foreach (int j in NearestIndices(distances, Math.Min(Options.K, distances.Length)))
        {
            votes[_classIndices[j]] += Options.Weighting == NeighborWeighting.Uniform ? 1.0 : 1.0 / (distances[j] + WeightEpsilon);
        }

        double maxLog = Math.Log(votes.Max());
        var tempered = new double[c];
        for (int k = 0; k < c; k++)
        {
            tempered[k] = votes[k] > 0 ? Math.Exp((Math.Log(votes[k]) - maxLog) / Options.Temperature) : 0;
        }

        double total = tempered.Sum();
        var probabilities = tempered.Select(t => (float)(t / total)).ToArray();
        int[] order = Enumerable.Range(0, c).ToArray();
        Array.Sort(order, (a, b) =>
            votes[a] != votes[b] ? votes[b].CompareTo(votes[a])
            : nearest[a] != nearest[b] ? nearest[a].CompareTo(nearest[b])
            : a.CompareTo(b));
        return new Row(nearest, probabilities, order);
    }

    /// <summary>The indices of the <paramref name="k"/> smallest distances, ties to the lower index.</summary>
    private static int[] NearestIndices(ReadOnlySpan<float> distances, int k)
    {
        var best = new int[k];
        int filled = 0;
        for (int j = 0; j < distances.Length; j++)
        {
            float value = distances[j];
            if (filled == k && !(value < distances[best[k - 1]]))
            {
                continue;
            }

            int position = filled < k ? filled++ : k - 1;
            while (position > 0 && value < distances[best[position - 1]])
            {
                best[position] = best[position - 1];
                position--;
            }

            best[position] = j;
        }

        return best;
    }

    private readonly record struct Row(float[] Distances, float[] Probabilities, int[] Order);
}
