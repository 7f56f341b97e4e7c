using System.Diagnostics;
using OneShot.Training;
using OneShot.Data;
using OneShot.Embeddings;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Verification;

/// <summary>
/// Trains an <see cref="Embedder"/> as a Siamese network on balanced same/different pairs: with the contrastive
/// loss on Euclidean distances (Hadsell et al. 2006) or with the weighted-L1 <see cref="KochHead"/> and binary
/// cross-entropy (Koch et al. 2015), optimised with Adam.
/// </summary>
/// <remarks>
/// Each step samples <see cref="SiameseTrainerOptions.PairsPerStep"/> pairs from (Seed, step), optionally
/// distorts every image, embeds both sides in one forward pass and takes one Adam step on the embedder (and the
/// head). Deterministic for a seed on the CPU with a fixed thread count: the head's initial weights come from a
/// private generator seeded with Seed and augmentation from its own generator seeded per step; TorchSharp's global
/// generator is neither used nor changed, so trainers in parallel threads do not disturb each other.
/// Do not use the embedder from other threads while it trains.
/// </remarks>
public sealed class SiameseTrainer
{
    /// <summary>Creates a trainer with <paramref name="options"/> (default: Koch head, 1,000 steps of 32 pairs).</summary>
    public SiameseTrainer(SiameseTrainerOptions? options = null)
    {
        Options = options ?? new SiameseTrainerOptions();
    }

    /// <summary>The training recipe.</summary>
    public SiameseTrainerOptions Options { get; }

    /// <summary>Trains <paramref name="embedder"/> in place on pairs from <paramref name="train"/>.</summary>
    /// <param name="embedder">The embedder to train; its network is left in evaluation mode and the returned model wraps it (the embedder stays the caller's).</param>
    /// <param name="train">The training classes.</param>
    /// <param name="validation">Optional held-out classes whose pairs calibrate the threshold after training.</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    /// <exception cref="ArgumentException">A dataset cannot provide pairs, or its items do not fit the embedder.</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled.</exception>
    public SiameseTrainingResult Train(
        Embedder embedder,
        IClassDataset train,
        IClassDataset? validation = null,
        IProgress<SiameseTrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(train);
        DatasetShape.EnsureFits(embedder, train, nameof(train));
        var sampler = new PairSampler(train);
        PairSampler? validationSampler = null;
        if (validation is not null)
        {
            DatasetShape.EnsureFits(embedder, validation, nameof(validation));
            validationSampler = new PairSampler(validation);
        }

        var o = Options;
        o.Augmentation?.Validate();
        var clock = Stopwatch.StartNew();
        var losses = new List<double>(o.Steps);
        using var headGenerator = new Generator((ulong)(uint)o.Seed);
        if (o.Head == SiameseHeadKind.Contrastive && o.EmbedderLearningRateFactor == 0)
        {
            throw new ArgumentException("EmbedderLearningRateFactor 0 freezes the embedder, and the contrastive head has nothing else to train; use the Koch head or a positive factor.", nameof(Options));
        }

        if (o.InitialHead is { } initial)
        {
            if (o.Head != SiameseHeadKind.Koch || initial.Kind != SiameseHeadKind.Koch)
            {
                throw new ArgumentException($"InitialHead must be a Koch head for a Koch-head training run; got a {initial.Kind} head for a {o.Head} run.", nameof(Options));
            }

            initial.EnsureFits(embedder.EmbeddingSize, nameof(Options));
        }

        using var head = o.Head == SiameseHeadKind.Koch ? new KochHead(embedder.EmbeddingSize, headGenerator) : null;
        if (o.InitialHead is { } start)
        {
            head!.SetParameters(start.KochWeights, start.KochBias);
        }

        head?.to(embedder.Device);
        bool trainBody = o.EmbedderLearningRateFactor > 0;
        var groups = new List<Adam.ParamGroup>();
        if (trainBody)
        {
            groups.Add(new Adam.ParamGroup(embedder.Network.parameters(), lr: o.LearningRate * o.EmbedderLearningRateFactor));
        }

        if (head is not null)
        {
            groups.Add(new Adam.ParamGroup(head.parameters(), lr: o.LearningRate));
        }

        using (var optimizer = optim.Adam(groups, lr: o.LearningRate))
        {
            try
            {
                embedder.Network.train(trainBody); // a frozen body embeds in evaluation mode

                for (int step = 0; step < o.Steps; step++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (o.MaxDuration is { } budget && clock.Elapsed >= budget)
                    {
                        break;
                    }

                    if (o.LrStepSteps > 0 && step > 0 && step % o.LrStepSteps == 0)
                    {
                        foreach (var group in optimizer.ParamGroups)
                        {
                            group.LearningRate /= 2;
                        }
                    }

                    double loss = Step(embedder, head, sampler, optimizer, step, trainBody);
                    losses.Add(loss);
                    progress?.Report(new SiameseTrainingProgress(step + 1, o.Steps, loss, clock.Elapsed));
                }
            }
            finally
            {
                embedder.Network.eval();
                embedder.NotifyWeightsChanged();
            }
        }

        SiameseHead trained = head is null ? SiameseHead.Contrastive(o.Margin) : FromModule(head);
        var model = new SiameseModel(embedder, trained);
        double? accuracy = validationSampler is null ? null : Calibrate(model, validationSampler);
        return new SiameseTrainingResult(model, losses, accuracy, clock.Elapsed);
    }

    private static SiameseHead FromModule(KochHead head)
    {
        var (weights, bias) = head.GetParameters();
        return SiameseHead.Koch(weights, bias);
    }

    private double Step(Embedder embedder, KochHead? head, PairSampler sampler, optim.Optimizer optimizer, int step, bool trainBody)
    {
        var o = Options;
        using var scope = NewDisposeScope();
        using var batch = sampler.Sample(o.Seed, step, o.PairsPerStep);
        var images = cat(new[] { batch.Left, batch.Right }, 0);
        if (o.Augmentation is { } augmentation)
        {
            using var generator = EpisodeSampler.CreateGenerator(~o.Seed, step);
            images = AffineAugmentation.Apply(images, augmentation, generator);
        }

        Tensor embeddings;
        using (trainBody ? null : no_grad())
        {
            embeddings = embedder.Forward(images.to(embedder.Device));
        }

        int n = batch.Count;
        var left = embeddings.narrow(0, 0, n);
        var right = embeddings.narrow(0, n, n);
        var targets = batch.IsSame.to(embedder.Device);
        var loss = head is null
            ? ContrastiveLoss.Compute(left, right, targets, o.Margin)
            : KochLoss.Compute(head.forward(left, right), targets);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        if (trainBody)
        {
            embedder.NotifyWeightsChanged();
        }

        return loss.item<float>();
    }

    /// <summary>Calibrates the equal-error-rate threshold on validation pairs and returns the accuracy there.</summary>
    private double Calibrate(SiameseModel model, PairSampler sampler)
    {
        using var scope = NewDisposeScope();

        // The complement of the seed gives validation pairs unrelated to the training ones.
        using var batch = sampler.Sample(~Options.Seed, 0, Options.ValidationPairs);
        bool[] isSame = [.. batch.IsSame.data<float>().ToArray().Select(t => t == 1f)];
        var calibration = model.Calibrate(batch.Left, batch.Right, isSame);
        int same = isSame.Count(s => s), different = isSame.Length - same;
        double errors = (calibration.FalseRejectRate * same) + (calibration.FalseAcceptRate * different);
        return 1 - (errors / isSame.Length);
    }
}
