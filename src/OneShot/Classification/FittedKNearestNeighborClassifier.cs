using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// A <see cref="KNearestNeighborClassifier"/> fitted to a support set (it keeps a copy of every support embedding).
/// </summary>
/// <remarks>
/// <para>
/// For each query the k nearest support embeddings (ties by support order) vote for their classes. A class's
/// score (<see cref="ScoreKind.Distance"/>) is the distance to its nearest support embedding. Its probability is its
/// share of the votes tempered by the temperature, <c>vote^(1/T) / Σ vote^(1/T)</c> (a softmax over
/// <c>log(vote) / T</c>): with weighted votes and k = 1 that is a softmax over negative log distances; classes
/// with no vote among the k neighbours get probability 0. Candidates are ordered by probability (that is by vote),
/// then distance, then first appearance in the support labels, so ties are broken deterministically.
/// </para>
/// <para>
/// <see cref="FittedClassifier{TOptions}.Predict"/> and <see cref="FittedClassifier{TOptions}.PredictProbabilities"/> are safe to call
/// from many threads at once; <see cref="FittedClassifier{TOptions}.Dispose()"/> is not.
/// </para>
/// </remarks>
public sealed class FittedKNearestNeighborClassifier : FittedClassifier<KNearestNeighborOptions>
{
    /// <summary>The ε in distance-weighted votes <c>1 / (distance + ε)</c>, so an exact match has a finite weight.</summary>
    public const double WeightEpsilon = 1e-6;

    /// <summary>The default of <see cref="ChunkElements"/>: 16 MB of float32 distances.</summary>
    internal const long DefaultChunkElements = 4L << 20;

    private readonly Tensor _support;
    private readonly int[] _classIndices;
    private readonly Tensor _supportSquaredNorms;

    internal FittedKNearestNeighborClassifier(KNearestNeighborOptions options, SupportSet support, Tensor embeddings)
        : base(options, support.Classes, support.EmbeddingSize, ScoreKind.Distance)
    {
        _classIndices = support.ClassIndices;
        _support = embeddings;

        // Once per fit, not per query: at 1,000,000 x 512 each recomputation wrote a 2 GB temporary.
        using (no_grad())
        {
            _supportSquaredNorms = embeddings.mul(embeddings).sum(1).DetachFromDisposeScope();
        }
    }

    /// <summary>Above this many query-support distances a prediction walks the support set in chunks (tests lower it).</summary>
    internal long ChunkElements { get; set; } = DefaultChunkElements;

    /// <inheritdoc />
    protected override ClassScores Score(Tensor queries)
    {
        var rows = ScoreRows(queries);
        int c = Classes.Count;
        var scores = new float[rows.Length * c];
        var probabilities = new float[rows.Length * c];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i].Distances.CopyTo(scores, i * c);
            rows[i].Probabilities.CopyTo(probabilities, i * c);
        }

        return new ClassScores(rows.Length, scores, probabilities);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _support.Dispose();
        _supportSquaredNorms.Dispose();
    }

    private Row[] ScoreRows(Tensor q)
    {
        int s = _classIndices.Length;
        int count = (int)q.shape[0];
        if ((long)count * s > ChunkElements)
        {
            return ScoreChunked(q, count);
        }

        float[] d = Distances.ComputeWithNorms(q, _support, _supportSquaredNorms, Options.Metric).cpu().contiguous().data<float>().ToArray();
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

    /// <summary>
    /// The same scores for large support sets without the full <c>[Q,S]</c> matrix: per chunk of support rows, the
    /// nearest distance per class (one pass over the chunk's distances with the rows' class indices) and the chunk's k
    /// nearest, merged into a running k nearest. Nothing is copied or sorted per query beyond one chunk of distances.
    /// </summary>
    private Row[] ScoreChunked(Tensor q, int count)
    {
        int s = _classIndices.Length, c = Classes.Count, k = Math.Min(Options.K, s);
        long chunk = Math.Max(k, ChunkElements / Math.Max(1, count));
        var nearest = new float[count * c];
        Array.Fill(nearest, float.PositiveInfinity);
        using var outer = NewDisposeScope();
        (Tensor Values, Tensor Indices)? best = null;
        for (long start = 0; start < s; start += chunk)
        {
            using var inner = NewDisposeScope();
            int length = (int)Math.Min(chunk, s - start);
            var d = Distances.ComputeWithNorms(q, _support.narrow(0, start, length), _supportSquaredNorms.narrow(0, start, length), Options.Metric);
            float[] values = d.cpu().contiguous().data<float>().ToArray();
            var classes = _classIndices.AsSpan((int)start, length);
            for (int i = 0; i < count; i++)
            {
                var row = values.AsSpan(i * length, length);
                var mins = nearest.AsSpan(i * c, c);
                for (int j = 0; j < length; j++)
                {
                    ref float m = ref mins[classes[j]];
                    if (row[j] < m)
                    {
                        m = row[j];
                    }
                }
            }

            var (top, indices) = ChunkTopK.Merge(best, d, start, k);
            best = (top.MoveToOuterDisposeScope(), indices.MoveToOuterDisposeScope());
        }

        float[] bestValues = best!.Value.Values.cpu().contiguous().data<float>().ToArray();
        long[] bestRows = best.Value.Indices.cpu().contiguous().data<long>().ToArray();
        var rows = new Row[count];
        for (int i = 0; i < count; i++)
        {
            var neighbors = new int[k];
            for (int n = 0; n < k; n++)
            {
                neighbors[n] = (int)bestRows[(i * k) + n];
            }

            rows[i] = ScoreRow(nearest.AsSpan(i * c, c).ToArray(), neighbors, bestValues.AsSpan(i * k, k).ToArray());
        }

        return rows;
    }

    private float[] NearestPerClass(ReadOnlySpan<float> distances)
    {
        var nearest = new float[Classes.Count];
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
        int c = Classes.Count;
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
        return new Row(nearest, probabilities);
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

    private readonly record struct Row(float[] Distances, float[] Probabilities);
}
