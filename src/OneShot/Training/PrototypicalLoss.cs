using OneShot.Classification;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Training;

/// <summary>
/// The loss of Prototypical Networks (Snell et al. 2017): class prototypes are the means of the support embeddings,
/// each query gets a softmax over its logits to the prototypes, <c>−distance / temperature</c> (the same
/// probabilities as <see cref="PrototypeClassifier"/>), and the loss is the mean cross-entropy against the query labels.
/// </summary>
/// <remarks>
/// Everything is batched: prototypes by one matrix product with the one-hot support labels, distances by
/// <see cref="Distances.Compute"/>. Methods return fresh tensors owned by the caller and never dispose their arguments.
/// </remarks>
internal static class PrototypicalLoss
{
    /// <summary>Computes the loss and accuracy of one episode.</summary>
    /// <param name="supportEmbeddings">Support embeddings <c>[S,D]</c>.</param>
    /// <param name="supportLabels">Support labels, int64 <c>[S]</c> in 0..<paramref name="way"/>-1; every label present.</param>
    /// <param name="queryEmbeddings">Query embeddings <c>[Q,D]</c>.</param>
    /// <param name="queryLabels">Query labels, int64 <c>[Q]</c> in 0..<paramref name="way"/>-1.</param>
    /// <param name="way">The number of classes N.</param>
    /// <param name="metric">How queries are compared with prototypes.</param>
    /// <param name="temperature">The softmax temperature (positive); null uses <see cref="ClassifierOptions.DefaultTemperatureFor"/> the metric.</param>
    public static PrototypicalLossResult Compute(
        Tensor supportEmbeddings,
        Tensor supportLabels,
        Tensor queryEmbeddings,
        Tensor queryLabels,
        int way,
        DistanceMetric metric = DistanceMetric.SquaredEuclidean,
        double? temperature = null)
    {
        ArgumentNullException.ThrowIfNull(queryLabels);
        using var scope = NewDisposeScope();
        var prototypes = Prototypes(supportEmbeddings, supportLabels, way);
        var logits = Logits(queryEmbeddings, prototypes, metric, temperature);
        var targets = queryLabels.to(logits.device);
        var loss = nn.functional.cross_entropy(logits, targets);
        double accuracy;
        using (no_grad())
        {
            long correct = logits.argmax(1).eq(targets).sum().item<long>();
            accuracy = (double)correct / targets.shape[0];
        }

        return new PrototypicalLossResult(loss.MoveToOuterDisposeScope(), accuracy);
    }

    /// <summary>The class prototypes <c>[N,D]</c>: the mean support embedding of each label.</summary>
    /// <exception cref="ArgumentException">The shapes do not match, or a label has no support item.</exception>
    public static Tensor Prototypes(Tensor supportEmbeddings, Tensor supportLabels, int way)
    {
        ArgumentNullException.ThrowIfNull(supportEmbeddings);
        ArgumentNullException.ThrowIfNull(supportLabels);
        ArgumentOutOfRangeException.ThrowIfLessThan(way, 1);
        if (supportEmbeddings.dim() != 2 || supportLabels.dim() != 1 || supportLabels.shape[0] != supportEmbeddings.shape[0])
        {
            throw new ArgumentException(
                $"Expected support embeddings [S,D] and labels [S]; got [{string.Join(",", supportEmbeddings.shape)}] and [{string.Join(",", supportLabels.shape)}].",
                nameof(supportLabels));
        }

        using var scope = NewDisposeScope();
        var oneHot = nn.functional.one_hot(supportLabels.to(supportEmbeddings.device), way).to_type(supportEmbeddings.dtype);
        var counts = oneHot.sum(dim: 0);
        if (counts.min().ToDouble() < 1)
        {
            throw new ArgumentException($"Every label 0..{way - 1} needs at least one support item; the support labels leave some out.", nameof(supportLabels));
        }

        var sums = oneHot.t().matmul(supportEmbeddings);
        return sums.div(counts.unsqueeze(1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The logits <c>[Q,N]</c> of queries against prototypes: <c>−distance / temperature</c>, with the distances of
    /// <see cref="Distances.Compute"/>.
    /// </summary>
    /// <param name="queryEmbeddings">Query embeddings <c>[Q,D]</c>.</param>
    /// <param name="prototypes">Prototypes <c>[N,D]</c>.</param>
    /// <param name="metric">The distance.</param>
    /// <param name="temperature">The softmax temperature (positive); null uses <see cref="ClassifierOptions.DefaultTemperatureFor"/> the metric.</param>
    public static Tensor Logits(Tensor queryEmbeddings, Tensor prototypes, DistanceMetric metric = DistanceMetric.SquaredEuclidean, double? temperature = null)
    {
        ArgumentNullException.ThrowIfNull(queryEmbeddings);
        ArgumentNullException.ThrowIfNull(prototypes);
        if (queryEmbeddings.dim() != 2 || prototypes.dim() != 2 || queryEmbeddings.shape[1] != prototypes.shape[1])
        {
            throw new ArgumentException(
                $"Expected query embeddings [Q,D] and prototypes [N,D]; got [{string.Join(",", queryEmbeddings.shape)}] and [{string.Join(",", prototypes.shape)}].",
                nameof(prototypes));
        }

        double t = temperature ?? ClassifierOptions.DefaultTemperatureFor(metric);
        if (!double.IsFinite(t) || t <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be finite and greater than 0.");
        }

        using var scope = NewDisposeScope();
        using var divisor = (-t).ToScalar();
        return Distances.Compute(queryEmbeddings, prototypes, metric).div(divisor).MoveToOuterDisposeScope();
    }
}
