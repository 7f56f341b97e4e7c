using OneShot.Data;
using OneShot.Embeddings;

namespace OneShot.Training;

/// <summary>
/// Trains an <see cref="Embedder"/> episodically as a prototypical network: each step samples an N-way K-shot
/// Q-query episode, embeds support and queries in one forward pass, and takes an Adam step on the
/// <see cref="PrototypicalLoss"/>.
/// </summary>
/// <remarks>
/// <para>
/// Deterministic for a seed: episode e is sampled from (Seed, e) by a private generator, nothing draws from
/// TorchSharp's global generator (trainers in parallel threads do not disturb each other), and on the CPU with a
/// fixed thread count the same inputs give the same weights. For the same initial weights, start from the same
/// weights (for example <see cref="Embedder.Clone"/>, a model file, or <c>torch.random.manual_seed</c> before
/// <see cref="Embedder.Create"/>).
/// </para>
/// <para>
/// With <see cref="PrototypicalTrainerOptions.CheckpointPath"/>, checkpoints (weights, Adam state, generator state,
/// bookkeeping) are written atomically, and a later call with the same recipe resumes and continues exactly as an
/// uninterrupted run. Cancelling stops between steps, saves a checkpoint and throws
/// <see cref="OperationCanceledException"/>. With a validation set, the weights with the lowest validation loss are
/// kept, saved and restored into the network at the end.
/// </para>
/// <para>Do not use the embedder from other threads while it trains.</para>
/// </remarks>
/// <example>
/// A short run on an in-memory dataset:
/// <code>
/// using var embedder = Embedder.Create();
/// var trainer = new PrototypicalTrainer(new PrototypicalTrainerOptions { Way = 10, Query = 5, Episodes = 200 });
/// TrainingResult result = trainer.Train(embedder, dataset);
/// </code>
/// </example>
public sealed class PrototypicalTrainer
{
    /// <summary>Creates a trainer with <paramref name="options"/> (default: the Omniglot recipe of Snell et al.).</summary>
    public PrototypicalTrainer(PrototypicalTrainerOptions? options = null)
    {
        Options = options ?? new PrototypicalTrainerOptions();
    }

    /// <summary>The training recipe.</summary>
    public PrototypicalTrainerOptions Options { get; }

    /// <summary>
    /// Trains <paramref name="embedder"/>'s network in place on <paramref name="train"/>, validating on
    /// <paramref name="validation"/> when given.
    /// </summary>
    /// <param name="embedder">The embedder to train; its network is left in evaluation mode.</param>
    /// <param name="train">The training classes.</param>
    /// <param name="validation">Optional validation classes for model selection and early stopping.</param>
    /// <param name="progress">Receives a report after every episode.</param>
    /// <param name="cancellationToken">Stops training between steps, after saving a checkpoint.</param>
    /// <exception cref="ArgumentException">A dataset cannot provide the episodes, or its item shape does not fit the embedder.</exception>
    /// <exception cref="OneShotException">The checkpoint to resume was written by another recipe or network.</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled; the checkpoint (if any) is saved.</exception>
    public TrainingResult Train(
        Embedder embedder,
        IClassDataset train,
        IClassDataset? validation = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(train);
        DatasetShape.EnsureFits(embedder, train, nameof(train));
        var o = Options;
        if (o.Loss == EpisodeLoss.Nca && o.OpenSetWay > 0)
        {
            throw new ArgumentException(
                $"OpenSetWay {o.OpenSetWay} needs the prototypical loss; Loss is {o.Loss}. Set OpenSetWay to 0 or Loss to {EpisodeLoss.Prototypical}.",
                nameof(PrototypicalTrainerOptions.Loss));
        }

        int drawn = o.Way + o.OpenSetWay;
        var sampler = new EpisodeSampler(train, drawn, o.Shot, o.Query);
        EpisodeSampler? groupSampler = null;
        if (o.WithinGroupFraction > 0)
        {
            groupSampler = o.ClassGroups is { } groups
                ? new EpisodeSampler(train, drawn, o.Shot, o.Query, new EpisodeConstraints(null, null, groups))
                : throw new ArgumentException("WithinGroupFraction is above 0 but ClassGroups is not set: give the group of every training class.", nameof(train));
        }

        EpisodeSampler? validationSampler = null;
        if (validation is not null)
        {
            DatasetShape.EnsureFits(embedder, validation, nameof(validation));
            validationSampler = new EpisodeSampler(validation, o.ValidationWay, o.ValidationShot, o.ValidationQuery);
        }

        using var run = new PrototypicalTrainingRun(o, embedder, sampler, groupSampler, validationSampler, progress);
        return run.Execute(cancellationToken);
    }
}
