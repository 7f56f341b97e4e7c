using OneShot.Training;

namespace OneShot.Evaluation;

/// <summary>
/// The protocol of an episode evaluation. Defaults are the standard few-shot protocol:
/// 5-way 1-shot with 15 queries per class over 1,000 episodes, seed 1.
/// </summary>
public sealed record EpisodeEvaluationOptions
{
    private readonly int _way = 5;
    private readonly int _shot = 1;
    private readonly int _query = 15;
    private readonly int _episodes = 1000;
    private readonly double _cosineScale = PrototypicalLoss.DefaultCosineScale;

    /// <summary>Classes per episode N. Default 5.</summary>
    public int Way { get => _way; init => _way = AtLeast(value, 2, nameof(Way)); }

    /// <summary>Support items per class K. Default 1.</summary>
    public int Shot { get => _shot; init => _shot = AtLeast(value, 1, nameof(Shot)); }

    /// <summary>Query items per class Q. Default 15.</summary>
    public int Query { get => _query; init => _query = AtLeast(value, 1, nameof(Query)); }

    /// <summary>The number of episodes E. Default 1,000.</summary>
    public int Episodes { get => _episodes; init => _episodes = AtLeast(value, 1, nameof(Episodes)); }

    /// <summary>Fixes the episodes: episode e is drawn from (Seed, e), as <see cref="EpisodeSampler.Sample(int, long)"/> does. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>How queries are compared with the prototypes. Default squared Euclidean.</summary>
    public PrototypicalMetric Metric { get; init; } = PrototypicalMetric.SquaredEuclidean;

    /// <summary>The factor on cosine similarities; it does not change the nearest prototype. Default 10.</summary>
    public double CosineScale
    {
        get => _cosineScale;
        init => _cosineScale = double.IsFinite(value) && value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(CosineScale), value, "CosineScale must be a positive finite number.");
    }

    /// <summary>
    /// Null (the default) embeds every item of the dataset once when the episodes would read at least as many
    /// images as it holds, otherwise embeds per episode. True or false forces one way. Embeddings in evaluation mode
    /// do not depend on the batch, so both give the same result up to float rounding.
    /// </summary>
    internal bool? EmbedAllOnce { get; init; }

    private static int AtLeast(int value, int minimum, string name) =>
        value >= minimum ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least {minimum}.");
}
