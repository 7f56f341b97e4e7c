using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Transfer;

/// <summary>
/// Trains a linear projection of frozen embeddings with episodic metric learning: every episode takes B classes and two
/// different examples of each (say a Google and a Twitter drawing of the same emoji), projects and L2-normalises them,
/// and minimises the cross-entropy of each example finding its partner among the B by scaled cosine similarity, in both
/// directions (a B-way 1-shot prototypical episode; the symmetric InfoNCE loss). Works on cached embeddings, so training
/// takes seconds to minutes on a CPU whatever the base network costs.
/// </summary>
public static class ProjectionTrainer
{
    /// <summary>Trains a projection.</summary>
    /// <param name="features">Embeddings <c>[N, D]</c>, float32 on the CPU.</param>
    /// <param name="classes">The class of each row; a class needs at least two rows to be used.</param>
    /// <param name="options">Training options; defaults when null.</param>
    /// <param name="validation">Optional paired validation embeddings (support row i and query row i share a class, classes disjoint from training): the matrix with the best rank-1 is kept.</param>
    /// <param name="progress">Receives each validation.</param>
    /// <exception cref="ArgumentException">Shapes disagree, values are not finite, or fewer than two classes have two rows.</exception>
    public static ProjectionTrainingResult Train(
        Tensor features,
        IReadOnlyList<int> classes,
        ProjectionTrainingOptions? options = null,
        (Tensor Support, Tensor Query)? validation = null,
        IProgress<ProjectionValidation>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(classes);
        options ??= new ProjectionTrainingOptions();
        if (features.dim() != 2 || features.shape[0] != classes.Count)
        {
            throw new ArgumentException($"Expected features [N, D] with N = {classes.Count} (one class per row); got [{string.Join(", ", features.shape)}].", nameof(features));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ClassesPerEpisode, 2, nameof(options));
        int inputSize = (int)features.shape[1];
        int outputSize = options.OutputSize ?? inputSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1, nameof(options));
        var byClass = PairedEpisodes.RowsByClass(classes);

        using var outer = NewDisposeScope();
        var x = features.to(ScalarType.Float32).cpu().contiguous();
        if (!isfinite(x).all().item<bool>())
        {
            throw new ArgumentException("The features hold NaN or infinite values.", nameof(features));
        }

        if (validation is { } v && (v.Support.dim() != 2 || v.Support.shape[1] != inputSize || !v.Support.shape.SequenceEqual(v.Query.shape)))
        {
            throw new ArgumentException($"Validation support and query must both be [M, {inputSize}].", nameof(validation));
        }

        var clock = Stopwatch.StartNew();
        float[]? mean = null;
        if (options.Center)
        {
            // Centred once here: the training rows and the validation pairs, each on the training mean.
            var m = x.mean([0]);
            mean = m.data<float>().ToArray();
            x = x - m;
            if (validation is { } raw)
            {
                validation = (raw.Support.to(ScalarType.Float32).cpu() - m, raw.Query.to(ScalarType.Float32).cpu() - m);
            }
        }

        var weight = nn.Parameter(outputSize < inputSize ? PrincipalDirections(x, outputSize) : eye(outputSize, inputSize, ScalarType.Float32));
        var logScale = nn.Parameter(tensor((float)Math.Log(options.InitialScale)));
        using var optimizer = optim.Adam([weight], lr: options.LearningRate, weight_decay: options.WeightDecay);
        using var scaleOptimizer = optim.Adam([logScale], lr: options.LearningRate);
        Tensor Project(long[] rows) => nn.functional.normalize(x.index_select(0, tensor(rows)).matmul(weight.t()), p: 2, dim: 1);
        var (best, bestEpoch, history) = PairedEpisodes.Train(
            byClass,
            options,
            (a, p) => (Project(a), Project(p)),
            logScale,
            [optimizer, scaleOptimizer],
            validation is { } val ? () => Rank1(weight, val.Support, val.Query) : null,
            () => weight.detach().data<float>().ToArray(),
            progress);

        weight.Dispose();
        logScale.Dispose();
        return new ProjectionTrainingResult(best, outputSize, inputSize, bestEpoch, history, clock.Elapsed) { InputMean = mean };
    }

    /// <summary>
    /// The <paramref name="count"/> leading eigenvectors of <c>xᵀx / N</c> as rows <c>[count, D]</c>, largest first:
    /// the principal directions of <paramref name="x"/> (of its spread about the mean when it is centred).
    /// </summary>
    internal static Tensor PrincipalDirections(Tensor x, int count)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var rows = Math.Max(1L, x.shape[0]).ToScalar();
        var moment = x.t().matmul(x).div_(rows).to(ScalarType.Float64);
        var (_, vectors) = linalg.eigh(moment);
        // eigh sorts eigenvalues ascending: the last columns are the leading directions.
        var leading = vectors.narrow(1, vectors.shape[1] - count, count).flip(1);
        return leading.t().contiguous().to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>The fraction of queries whose most similar support (cosine, after the projection) is their own row.</summary>
    private static double Rank1(Tensor weight, Tensor support, Tensor query)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var w = weight.detach().t();
        var s = nn.functional.normalize(support.to(ScalarType.Float32).cpu().matmul(w), p: 2, dim: 1);
        var q = nn.functional.normalize(query.to(ScalarType.Float32).cpu().matmul(w), p: 2, dim: 1);
        using var rows = q.shape[0].ToScalar();
        var hit = q.matmul(s.t()).argmax(1).eq(arange(TorchScalars.Zero, rows, TorchScalars.One, ScalarType.Int64));
        return hit.to(ScalarType.Float64).mean().item<double>();
    }
}
