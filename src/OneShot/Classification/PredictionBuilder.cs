namespace OneShot.Classification;

/// <summary>Turns per-class distances, probabilities and a ranking into a <see cref="Prediction"/>.</summary>
internal static class PredictionBuilder
{
    /// <summary>Builds the prediction for one query.</summary>
    /// <param name="classes">The class labels.</param>
    /// <param name="options">Top-k and the open-set threshold.</param>
    /// <param name="distances">The distance to each class.</param>
    /// <param name="probabilities">The probability of each class.</param>
    /// <param name="order">The class indices, best first.</param>
    public static Prediction Build(
        IReadOnlyList<string> classes,
        ClassifierOptions options,
        ReadOnlySpan<float> distances,
        ReadOnlySpan<float> probabilities,
        int[] order)
    {
        int count = Math.Min(options.TopK, order.Length);
        var top = new LabelScore[count];
        for (int i = 0; i < count; i++)
        {
            int c = order[i];
            top[i] = new LabelScore(classes[c], distances[c], probabilities[c]);
        }

        LabelScore best = top[0];
        bool unknown = options.UnknownThreshold is double threshold && best.Distance > threshold;
        return new Prediction(unknown ? Prediction.UnknownLabel : best.Label, best.Distance, best.Probability, unknown, top);
    }
}
