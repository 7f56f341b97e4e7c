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

    /// <summary>The default of <see cref="ChunkElements"/>: 16 MB of float32 distances.</summary>
    internal const long DefaultChunkElements = 4L << 20;

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

    /// <summary>Above this many query-support distances a prediction walks the support set in chunks (tests lower it).</summary>
    internal long ChunkElements { get; set; } = DefaultChunkElements;

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
        int s = _classIndices.Length;
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            var q = SupportSet.PrepareQueries(queries, EmbeddingSize);
            count = (int)q.shape[0];
            if ((long)count * s > ChunkElements)
            {
                return ScoreChunked(q, count);
            }

            float[] d = Distances.Compute(q, _support, Options.Metric).contiguous().data<float>().ToArray();
            var rows = new Row[count];
            for (int i = 0; i < count; i++)
            {
                var distances = d.AsSpan(i * s, s);
                int[] neighbors = NearestIndices(distances, Math.Min(Options.K, s));
                var neighborDistances = new float[neighbors.Length];
                for (int n = 0; n < neighbors.Length; n++)
                {
                    neighborDistances[n] = distances[neighbors[n]];
                }

                rows[i] = ScoreRow(NearestPerClass(distances), neighbors, neighborDistances);
            }

            return rows;
        }
    }

    /// <summary>
    /// The same scores for large support sets without the full <c>[Q,S]</c> matrix: per chunk of support rows, the
    /// nearest distance per class (the minimum over its column range) and the chunk's k nearest, merged into a running k nearest.
    /// </summary>
    private Row[] ScoreChunked(Tensor q, int count)
    {
        int s = _classIndices.Length, c = _classes.Length, k = Math.Min(Options.K, s);
        long chunk = Math.Max(k, ChunkElements / Math.Max(1, count));

        // Support rows grouped by class (stable), so that each class is one column range of every chunk.
        int[] order = [.. Enumerable.Range(0, s).OrderBy(j => _classIndices[j])];
        var grouped = _support.index_select(0, tensor(order.Select(j => (long)j).ToArray()));
        var nearest = new float[count * c];
        Array.Fill(nearest, float.PositiveInfinity);
        (Tensor Values, Tensor Indices)? best = null;
        for (long start = 0; start < s; start += chunk)
        {
            using var inner = NewDisposeScope();
            int length = (int)Math.Min(chunk, s - start);
            var d = Distances.Compute(q, grouped.narrow(0, start, length), Options.Metric);
            for (int a = 0; a < length;)
            {
                int cls = _classIndices[order[start + a]], b = a;
                while (b < length && _classIndices[order[start + b]] == cls)
                {
                    b++;
                }

                float[] mins = d.narrow(1, a, b - a).amin([1]).data<float>().ToArray();
                for (int i = 0; i < count; i++)
                {
                    nearest[(i * c) + cls] = Math.Min(nearest[(i * c) + cls], mins[i]);
                }

                a = b;
            }

            var (values, indices) = ChunkTopK.Merge(best, d, start, k);
            best = (values.MoveToOuterDisposeScope(), indices.MoveToOuterDisposeScope());
        }

        float[] bestValues = best!.Value.Values.contiguous().data<float>().ToArray();
        long[] bestRows = best.Value.Indices.contiguous().data<long>().ToArray();
        var rows = new Row[count];
        for (int i = 0; i < count; i++)
        {
            var neighbors = new int[k];
            for (int n = 0; n < k; n++)
            {
                neighbors[n] = order[bestRows[(i * k) + n]];
            }

            rows[i] = ScoreRow(nearest.AsSpan(i * c, c).ToArray(), neighbors, bestValues.AsSpan(i * k, k).ToArray());
        }

        return rows;
    }

    private float[] NearestPerClass(ReadOnlySpan<float> distances)
    {
        var nearest = new float[_classes.Length];
        Array.Fill(nearest, float.PositiveInfinity);
        for (int j = 0; j < distances.Length; j++)
        {
            int cls = _classIndices[j];
            if (distances[j] < nearest[cls])
            {
                nearest[cls] = distances[j];
            }
        }

        return nearest;
    }

    private Row ScoreRow(float[] nearest, int[] neighbors, float[] neighborDistances)
    {
        int c = _classes.Length;
        var votes = new double[c];
        for (int n = 0; n < neighbors.Length; n++)
        {
            votes[_classIndices[neighbors[n]]] += Options.Weighting == NeighborWeighting.Uniform ? 1.0 : 1.0 / (neighborDistances[n] + WeightEpsilon);
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
