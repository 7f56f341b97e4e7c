namespace OneShot.Classification;

/// <summary>Builds predictions from per-class distance and probability rows (row-major <c>[Q,C]</c>).</summary>
internal static class ScoredPredictions
{
    /// <summary>
    /// One prediction per row: candidates ordered by distance, ties to the class that appeared first.
    /// </summary>
    public static Prediction[] Build(IReadOnlyList<string> classes, ClassifierOptions options, float[] distances, float[] probabilities)
    {
        int c = classes.Count;
        int q = distances.Length / c;
        var predictions = new Prediction[q];
        for (int i = 0; i < q; i++)
        {
            float[] keys = distances.AsSpan(i * c, c).ToArray();
            int[] order = Enumerable.Range(0, c).ToArray();
            Array.Sort(order, (a, b) => keys[a] != keys[b] ? keys[a].CompareTo(keys[b]) : a.CompareTo(b));
            predictions[i] = PredictionBuilder.Build(classes, options, keys, probabilities.AsSpan(i * c, c), order);
        }

        return predictions;
    }
}
