using OneShot.Classification;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Training;
using static TorchSharp.torch;

namespace OneShot.Transfer;

/// <summary>
/// Transfer learning by fine-tuning: a trained <see cref="Embedder"/> gets a new linear head <c>Linear(D, classes)</c>
/// for the support classes; phase 1 trains the head with the body frozen, phase 2 unfreezes the last
/// <see cref="FineTuningOptions.UnfrozenStages"/> stages and trains them with the head at lower, layer-wise learning
/// rates (<see cref="LayerwiseLearningRates"/>). The loss is cross-entropy; the optimizer Adam.
/// </summary>
/// <remarks>
/// <para>
/// The embedder is copied first (<see cref="Embedder.Clone"/>) unless <see cref="FineTuningOptions.InPlace"/> is set, so
/// the pretrained embedder is not changed. Frozen stages' batch-norm layers stay in evaluation mode in phase 2 (see
/// <see cref="Freezing.TrainMode"/>), so their running statistics do not move.
/// </para>
/// <para>
/// Early stopping: when every class has at least <see cref="FineTuningOptions.HoldOutMinimumShots"/> examples, the
/// last example of each class is held out; the weights (head and body) with the lowest held-out loss are kept, and a
/// phase ends when that loss has not improved for <see cref="FineTuningOptions.Patience"/> validations. With fewer
/// examples every one is trained on for the fixed step counts and the last weights are kept.
/// </para>
/// <para>
/// Deterministic for <see cref="FineTuningOptions.Seed"/>: the head's initial weights come from a private generator
/// seeded with it and batches from a seeded shuffle; TorchSharp's global generator is not used. On the CPU with a fixed
/// thread count the same inputs give the same weights.
/// </para>
/// </remarks>
public sealed class FineTuner
{
    /// <summary>Creates a fine-tuner with <paramref name="options"/> (default: 100 head steps, then 50 steps with the last stage unfrozen).</summary>
    public FineTuner(FineTuningOptions? options = null)
    {
        Options = options ?? new FineTuningOptions();
    }

    /// <summary>The recipe.</summary>
    public FineTuningOptions Options { get; }

    /// <summary>Fine-tunes a copy of <paramref name="embedder"/> (or the embedder itself with <see cref="FineTuningOptions.InPlace"/>) on labelled support images.</summary>
    /// <param name="embedder">The trained embedder.</param>
    /// <param name="images">Support images <c>[S,C,H,W]</c> float32, shaped as the embedder expects.</param>
    /// <param name="labels">One label per image; classes are ordered by first appearance; at least two classes.</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    /// <returns>The fitted classifier, which owns the fine-tuned copy of the embedder.</returns>
    /// <exception cref="ArgumentException">The images or labels are malformed, there are fewer than two classes, or the backbone has fewer stages than <see cref="FineTuningOptions.UnfrozenStages"/>.</exception>
    /// <exception cref="OperationCanceledException">Fine-tuning was cancelled; the copy is disposed (an in-place embedder is left part-trained).</exception>
    public FineTunedClassifier Fit(
        Embedder embedder,
        Tensor images,
        IReadOnlyList<string> labels,
        IProgress<FineTuningProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        CheckImages(embedder, images, labels.Count);
        var (classes, classIndices) = IndexLabels(labels);
        int stageCount = embedder.Options.Backbone.Stages.Count;
        if (Options.UnfrozenStages > stageCount)
        {
            throw new ArgumentException(
                $"FineTuningOptions.UnfrozenStages is {Options.UnfrozenStages} but the {embedder.Architecture} backbone has {stageCount} stages.",
                nameof(embedder));
        }

        var held = HeldOut(classIndices, classes.Length);
        var working = Options.InPlace ? embedder : embedder.Clone();
        var flags = working.Network.parameters().Select(p => p.requires_grad).ToArray();
        try
        {
            try
            {
                return Run(working, images, classes, classIndices, held, progress, cancellationToken);
            }
            finally
            {
                // A copy comes back fully trainable (as Clone made it); an in-place embedder as it was given.
                var parameters = working.Network.parameters().ToArray();
                for (int i = 0; i < parameters.Length; i++)
                {
                    parameters[i].requires_grad = flags[i];
                }
            }
        }
        catch
        {
            if (!Options.InPlace)
            {
                working.Dispose();
            }

            throw;
        }
    }

    /// <summary>Fine-tunes on every item of <paramref name="support"/>, labelled with its class name.</summary>
    /// <inheritdoc cref="Fit(Embedder, Tensor, IReadOnlyList{string}, IProgress{FineTuningProgress}?, CancellationToken)" />
    public FineTunedClassifier Fit(
        Embedder embedder,
        IClassDataset support,
        IProgress<FineTuningProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(support);
        DatasetShape.EnsureFits(embedder, support, nameof(support));
        var labels = new List<string>();
        Tensor images;
        using (var scope = NewDisposeScope())
        {
            var parts = new List<Tensor>();
            for (int c = 0; c < support.Classes.Count; c++)
            {
                int n = support.CountOf(c);
                parts.Add(support.Load(c, Enumerable.Range(0, n).ToArray()));
                labels.AddRange(Enumerable.Repeat(support.Classes[c], n));
            }

            images = cat(parts, 0).DetachFromDisposeScope();
        }

        using (images)
        {
            return Fit(embedder, images, labels, progress, cancellationToken);
        }
    }

    private FineTunedClassifier Run(
        Embedder working,
        Tensor images,
        string[] classes,
        int[] classIndices,
        HashSet<int> held,
        IProgress<FineTuningProgress>? progress,
        CancellationToken cancellationToken)
    {
        var trainRows = Enumerable.Range(0, classIndices.Length).Where(i => !held.Contains(i)).ToArray();
        var heldRows = held.Order().ToArray();
        Tensor trainImages;
        Tensor? heldImages;
        using (var scope = NewDisposeScope())
        {
            var cpu = images.detach().cpu();
            trainImages = Select(cpu, trainRows).DetachFromDisposeScope();
            heldImages = heldRows.Length == 0 ? null : Select(cpu, heldRows).DetachFromDisposeScope();
        }

        using var trainOwner = trainImages;
        using var heldOwner = heldImages;
        var train = (trainImages, trainRows.Select(i => (long)classIndices[i]).ToArray());
        (Tensor, long[])? validation = heldImages is null ? null : (heldImages, heldRows.Select(i => (long)classIndices[i]).ToArray());
        using var run = new FineTuningRun(Options, working, classes.Length, train, validation, progress);
        var result = run.Execute(cancellationToken);
        var (weight, bias) = run.HeadWeights();
        return new FineTunedClassifier(Options, working, !Options.InPlace, classes, weight, bias, result);
    }

    private HashSet<int> HeldOut(int[] classIndices, int classCount)
    {
        var held = new HashSet<int>();
        if (Options.HoldOutMinimumShots is not int minimum)
        {
            return held;
        }

        var counts = new int[classCount];
        var last = new int[classCount];
        for (int i = 0; i < classIndices.Length; i++)
        {
            counts[classIndices[i]]++;
            last[classIndices[i]] = i;
        }

        if (counts.All(n => n >= minimum))
        {
            held.UnionWith(last);
        }

        return held;
    }

    private static Tensor Select(Tensor images, int[] rows)
    {
        using var index = tensor(rows.Select(i => (long)i).ToArray());
        return images.index_select(0, index);
    }

    private static void CheckImages(Embedder embedder, Tensor images, int labelCount)
    {
        var p = embedder.Preprocessing;
        if (images.dim() != 4 || images.shape[0] == 0 || images.shape[1] != p.Channels || images.shape[2] != p.Height || images.shape[3] != p.Width)
        {
            throw new ArgumentException(
                $"Expected support images of shape [S,{p.Channels},{p.Height},{p.Width}] with S at least 1 for this {embedder.Architecture} embedder; got [{string.Join(",", images.shape)}].",
                nameof(images));
        }

        if (images.dtype != ScalarType.Float32)
        {
            throw new ArgumentException($"Expected float32 support images; got {images.dtype}.", nameof(images));
        }

        if (labelCount != images.shape[0])
        {
            throw new ArgumentException($"Expected one label per support image ({images.shape[0]}); got {labelCount} labels.", "labels");
        }
    }

    private static (string[] Classes, int[] Indices) IndexLabels(IReadOnlyList<string> labels)
    {
        var classes = new List<string>();
        var lookup = new Dictionary<string, int>(StringComparer.Ordinal);
        var indices = new int[labels.Count];
        for (int i = 0; i < labels.Count; i++)
        {
            SupportSet.ValidateLabel(labels[i], nameof(labels));
            if (!lookup.TryGetValue(labels[i], out int index))
            {
                index = classes.Count;
                lookup.Add(labels[i], index);
                classes.Add(labels[i]);
            }

            indices[i] = index;
        }

        if (classes.Count < 2)
        {
            throw new ArgumentException($"Fine-tuning needs at least two classes; the labels name {classes.Count}.", nameof(labels));
        }

        return ([.. classes], indices);
    }
}
