namespace OneShot.Transfer;

/// <summary>How <see cref="ProjectionTrainer"/> trains a projection.</summary>
public sealed record ProjectionTrainingOptions
{
    /// <summary>
    /// Rows of the projection: the new embedding length (default: the input size). A projection as long as its input
    /// starts at the identity; a shorter one starts at the training rows' principal directions (PCA, of the centred
    /// rows when <see cref="Center"/>), so it starts from the best linear summary rather than the first few features
    /// (<see cref="TunedTailTrainer"/> starts at the identity's first rows).
    /// </summary>
    public int? OutputSize { get; init; }

    /// <summary>
    /// Subtract the training rows' mean from every base embedding before projecting (SimpleShot's centring; default
    /// false). The mean is stored with the projection and subtracted at inference too. Not with tuned blocks.
    /// </summary>
    public bool Center { get; init; }

    /// <summary>Passes over the training classes (default 60).</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>Classes per episode: each episode is a B-way 1-shot task in both directions (default 256).</summary>
    public int ClassesPerEpisode { get; init; } = 256;

    /// <summary>Adam's learning rate (default 1e-3).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Adam's L2 weight decay (default 1e-2): keeps the projection near the identity it starts from.</summary>
    public double WeightDecay { get; init; } = 1e-2;

    /// <summary>The cosine-similarity scale the loss starts with; it is learned (default 10).</summary>
    public double InitialScale { get; init; } = 10;

    /// <summary>Random seed for the episode order (default 1).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Validate every this many epochs when validation pairs are given (default 5).</summary>
    public int ValidateEvery { get; init; } = 5;

    /// <summary>Adam's learning rate for the tuned ResNet blocks of <see cref="TunedTailTrainer"/> (default 1e-4).</summary>
    public double TailLearningRate { get; init; } = 1e-4;

    /// <summary>Adam's L2 weight decay for the tuned ResNet blocks (default 0: pretrained weights are not pulled towards zero).</summary>
    public double TailWeightDecay { get; init; }
}
