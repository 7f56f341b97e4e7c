using System.Diagnostics;
using OneShot.Embeddings;
using OneShot.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Transfer;

/// <summary>
/// Fine-tunes the last blocks of a pretrained ResNet-18 together with a projection, episodically, on cached feature
/// maps: the network below the tuned blocks is run once per training image (<see cref="HeadFeatures"/>), and training
/// runs only the tuned blocks, the pooling and the projection. The loss is <see cref="ProjectionTrainer"/>'s: B-way
/// 1-shot episodes in both directions (symmetric cross-entropy over scaled cosine similarity, learned scale).
/// </summary>
/// <remarks>
/// Batch-norm layers stay in evaluation mode (their running statistics are ImageNet's and do not move; their scale and
/// shift are trained). The base embedder is not changed: training works on a copy, and the result carries the tuned
/// blocks as a state dict (<see cref="ProjectionTrainingResult.TunedBaseWeights"/>) that
/// <see cref="ProjectedEmbedder.Create"/> applies to a base and <see cref="ProjectedEmbedder.Save"/> stores beside the
/// projection, so the pretrained base itself is still referenced, not copied.
/// </remarks>
public static class TunedTailTrainer
{
    /// <summary>
    /// The feature maps the tuned blocks start from: <paramref name="images"/> through the base up to (not including)
    /// its last <paramref name="tailBlocks"/> blocks (of <c>layer4</c>, or of the one stage a grid pooling such as
    /// <c>layer3:4</c> reads), on the CPU as float32.
    /// </summary>
    /// <param name="baseEmbedder">A ResNet-18 embedder (any number of blocks per stage) that pools one stage.</param>
    /// <param name="images">Preprocessed images <c>[N, C, H, W]</c>.</param>
    /// <param name="tailBlocks">How many blocks of the pooled stage will be tuned (1 to the stage's block count).</param>
    /// <exception cref="ArgumentException">The embedder is not a ResNet-18.</exception>
    /// <exception cref="InvalidOperationException">The network pools more than one stage.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tailBlocks"/> is outside 1..blocks of the pooled stage.</exception>
    public static Tensor HeadFeatures(Embedder baseEmbedder, Tensor images, int tailBlocks)
    {
        var network = ResNetOf(baseEmbedder);
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad(); // not inference mode: the maps are used in training, which records gradients
        network.eval();
        return network.ForwardHead(images.to(baseEmbedder.Device), tailBlocks).to(ScalarType.Float32).cpu().contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Trains the last <paramref name="tailBlocks"/> blocks and a projection on cached feature maps.</summary>
    /// <param name="baseEmbedder">The pretrained ResNet-18 embedder the maps came from; not changed.</param>
    /// <param name="tailBlocks">The blocks tuned, as given to <see cref="HeadFeatures"/>.</param>
    /// <param name="headFeatures">Maps from <see cref="HeadFeatures"/>, <c>[N, C, H, W]</c>, float32 on the CPU.</param>
    /// <param name="classes">The class of each row; a class needs at least two rows to be used.</param>
    /// <param name="options">Training options (<see cref="ProjectionTrainingOptions.TailLearningRate"/> for the blocks); defaults when null.</param>
    /// <param name="validation">Optional paired validation maps (support row i and query row i share a class): the epoch with the best rank-1 is kept.</param>
    /// <param name="progress">Receives each validation.</param>
    /// <exception cref="ArgumentException">Shapes disagree, values are not finite, fewer than two classes have two rows, or <see cref="ProjectionTrainingOptions.Center"/> is set.</exception>
    public static ProjectionTrainingResult Train(
        Embedder baseEmbedder,
        int tailBlocks,
        Tensor headFeatures,
        IReadOnlyList<int> classes,
        ProjectionTrainingOptions? options = null,
        (Tensor Support, Tensor Query)? validation = null,
        IProgress<ProjectionValidation>? progress = null)
    {
        ResNetOf(baseEmbedder);
        ArgumentNullException.ThrowIfNull(headFeatures);
        ArgumentNullException.ThrowIfNull(classes);
        options ??= new ProjectionTrainingOptions();
        if (options.Center)
        {
            throw new ArgumentException("Centring (ProjectionTrainingOptions.Center) needs fixed base embeddings; tuned blocks change them as they train. Train without Center, or without tuned blocks.", nameof(options));
        }

        if (headFeatures.dim() != 4 || headFeatures.shape[0] != classes.Count)
        {
            throw new ArgumentException($"Expected feature maps [N, C, H, W] with N = {classes.Count} (one class per row); got [{string.Join(", ", headFeatures.shape)}].", nameof(headFeatures));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ClassesPerEpisode, 2, nameof(options));
        var byClass = PairedEpisodes.RowsByClass(classes);

        if (validation is { } v && (v.Support.dim() != 4 || !v.Support.shape.Skip(1).SequenceEqual(headFeatures.shape.Skip(1)) || !v.Support.shape.SequenceEqual(v.Query.shape)))
        {
            throw new ArgumentException($"Validation support and query must both be [M, {string.Join(", ", headFeatures.shape.Skip(1))}].", nameof(validation));
        }

        using var work = baseEmbedder.Clone();
        var network = (ResNet18)work.Network;
        var prefixes = network.TailPrefixes(tailBlocks);
        bool InTail(string name) => prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));
        var tailParameters = new List<TorchSharp.Modules.Parameter>();
        foreach (var (name, parameter) in network.named_parameters())
        {
            bool tuned = InTail(name);
            parameter.requires_grad = tuned;
            if (tuned)
            {
                tailParameters.Add(parameter);
            }
        }

        network.eval();
        int size = baseEmbedder.EmbeddingSize;
        int outputSize = options.OutputSize ?? size;
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1, nameof(options));
        Device device = work.Device;
        bool l2 = work.Options.L2Normalize;
        var clock = Stopwatch.StartNew();
        using var outer = NewDisposeScope();
        var x = headFeatures.to(ScalarType.Float32).cpu().contiguous();
        if (!isfinite(x).all().item<bool>())
        {
            throw new ArgumentException("The feature maps hold NaN or infinite values.", nameof(headFeatures));
        }

        var weight = nn.Parameter(eye(outputSize, size, ScalarType.Float32, device));
        var logScale = nn.Parameter(tensor((float)Math.Log(options.InitialScale), device: device));
        using var optimizer = optim.Adam([weight], lr: options.LearningRate, weight_decay: options.WeightDecay);
        using var scaleOptimizer = optim.Adam([logScale], lr: options.LearningRate);
        using var tailOptimizer = optim.Adam(tailParameters, lr: options.TailLearningRate, weight_decay: options.TailWeightDecay);
        (Tensor Left, Tensor Right) EmbedPairs(long[] a, long[] p)
        {
            // One pass over both halves: batch norm is in evaluation mode, so the halves do not affect each other.
            var embedded = Embed(network, tailBlocks, l2, weight, x.index_select(0, tensor(a.Concat(p).ToArray())).to(device));
            return (embedded.narrow(0, 0, a.Length), embedded.narrow(0, a.Length, p.Length));
        }

        var (best, bestEpoch, history) = PairedEpisodes.Train(
            byClass,
            options,
            EmbedPairs,
            logScale,
            [optimizer, scaleOptimizer, tailOptimizer],
            validation is { } val ? () => Rank1(network, tailBlocks, l2, weight, val.Support, val.Query, device) : null,
            () => Snapshot(network, weight, InTail),
            progress);

        return new ProjectionTrainingResult(best.Projection, outputSize, size, bestEpoch, history, clock.Elapsed)
        {
            TunedBaseWeights = best.Tail,
        };
    }

    private static ResNet18 ResNetOf(Embedder baseEmbedder)
    {
        ArgumentNullException.ThrowIfNull(baseEmbedder);
        return baseEmbedder.Network as ResNet18
            ?? throw new ArgumentException($"Tuning the last blocks needs a ResNet-18 embedder; got {baseEmbedder.Architecture}.", nameof(baseEmbedder));
    }

    /// <summary><c>normalize(W · tail(maps))</c>, recording gradients when enabled.</summary>
    private static Tensor Embed(ResNet18 network, int tailBlocks, bool l2, Tensor weight, Tensor maps)
    {
        var pooled = network.ForwardTail(maps, tailBlocks);
        if (l2)
        {
            pooled = nn.functional.normalize(pooled, p: 2, dim: 1);
        }

        return nn.functional.normalize(pooled.matmul(weight.t()), p: 2, dim: 1);
    }

    /// <summary>The projection (row-major) and the tuned blocks' state-dict bytes.</summary>
    private static (float[] Projection, byte[] Tail) Snapshot(ResNet18 network, Tensor weight, Func<string, bool> inTail)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var entries = network.state_dict().Where(p => inTail(p.Key)).Select(p => KeyValuePair.Create(p.Key, p.Value.detach().cpu().contiguous())).ToList();
        return (weight.detach().cpu().data<float>().ToArray(), StateDictWriter.ToBytes(entries));
    }

    /// <summary>The fraction of queries whose most similar support is their own row.</summary>
    private static double Rank1(ResNet18 network, int tailBlocks, bool l2, Tensor weight, Tensor support, Tensor query, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor EmbedAll(Tensor maps)
        {
            var parts = new List<Tensor>();
            for (long start = 0; start < maps.shape[0]; start += 128)
            {
                long length = Math.Min(128, maps.shape[0] - start);
                parts.Add(Embed(network, tailBlocks, l2, weight.detach(), maps.narrow(0, start, length).to(ScalarType.Float32).to(device)));
            }

            return cat(parts, 0);
        }

        var s = EmbedAll(support);
        var q = EmbedAll(query);
        using var rows = q.shape[0].ToScalar();
        var hit = q.matmul(s.t()).argmax(1).eq(arange(TorchScalars.Zero, rows, TorchScalars.One, ScalarType.Int64, device));
        return hit.to(ScalarType.Float64).mean().item<double>();
    }
}
