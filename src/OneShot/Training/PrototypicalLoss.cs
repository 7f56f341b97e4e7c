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
        var result = FromLogits(Logits(queryEmbeddings, prototypes, metric, temperature), queryLabels);
        result.Loss.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>The loss and accuracy of queries whose <see cref="Logits"/> <c>[Q,N]</c> against the prototypes are given.</summary>
    /// <param name="logits">The queries' logits <c>[Q,N]</c>.</param>
    /// <param name="queryLabels">Query labels, int64 <c>[Q]</c> in 0..N-1.</param>
    public static PrototypicalLossResult FromLogits(Tensor logits, Tensor queryLabels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(queryLabels);
        using var scope = NewDisposeScope();
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

    /// <summary>
    /// The open-set term of an episode with unknown classes: for every pair of a known query q (label y) and an
    /// unknown query u (of a class with no support), <c>softplus((d(q, p_y) − min_k d(u, p_k)) / temperature)</c>,
    /// averaged over all pairs. It is small when every known query is nearer its own prototype than any unknown query
    /// is to its nearest prototype, which is what one distance threshold (a gallery's unknown threshold on the best
    /// distance) needs to accept the known and reject the unknown: a smooth surrogate of 1 − AUROC of that score.
    /// It takes the <see cref="Logits"/> (<c>−distance / temperature</c>) the prototypical loss already computed.
    /// </summary>
    /// <param name="knownLogits">The known queries' logits <c>[Q,N]</c>.</param>
    /// <param name="knownQueryLabels">Their labels, int64 <c>[Q]</c> in 0..N-1.</param>
    /// <param name="unknownLogits">The unknown queries' logits <c>[U,N]</c>, U at least 1.</param>
    /// <returns>A scalar loss tensor, owned by the caller.</returns>
    public static Tensor OpenSetMargin(Tensor knownLogits, Tensor knownQueryLabels, Tensor unknownLogits)
    {
        ArgumentNullException.ThrowIfNull(knownLogits);
        ArgumentNullException.ThrowIfNull(knownQueryLabels);
        ArgumentNullException.ThrowIfNull(unknownLogits);
        if (knownLogits.dim() != 2 || knownQueryLabels.dim() != 1 || knownQueryLabels.shape[0] != knownLogits.shape[0]
            || unknownLogits.dim() != 2 || unknownLogits.shape[1] != knownLogits.shape[1] || unknownLogits.shape[0] == 0)
        {
            throw new ArgumentException(
                $"Expected known queries' logits [Q,N] with labels [Q] and at least one unknown query's logits [U,N]; got [{string.Join(",", knownLogits.shape)}], [{string.Join(",", knownQueryLabels.shape)}] and [{string.Join(",", unknownLogits.shape)}].",
                nameof(unknownLogits));
        }

        using var scope = NewDisposeScope();

        // Logits are -distance / t, so the pair's argument (d_known - d_unknown) / t is logit_unknown - logit_known.
        var known = knownLogits.gather(1, knownQueryLabels.to(knownLogits.device).unsqueeze(1));
        var unknown = unknownLogits.amax(new long[] { 1 }).unsqueeze(0);
        return nn.functional.softplus(unknown - known).mean().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Neighbourhood component analysis over a batch (<see cref="EpisodeLoss.Nca"/>): with logits
    /// <c>l_ij = −d(x_i, x_j) / temperature</c>, every image i is an anchor with loss
    /// <c>logsumexp_{j≠i} l_ij − logsumexp_{j≠i, y_j = y_i} l_ij</c> (minus the log of the probability that a
    /// neighbour drawn in proportion to <c>exp(l_ij)</c> shares its class); the result is the mean over anchors.
    /// </summary>
    /// <param name="embeddings">The batch's embeddings <c>[M,D]</c>.</param>
    /// <param name="labels">Their labels, int64 <c>[M]</c>; every label must occur at least twice.</param>
    /// <param name="metric">The distance.</param>
    /// <param name="temperature">The softmax temperature (positive); null uses <see cref="ClassifierOptions.DefaultTemperatureFor"/> the metric.</param>
    /// <returns>A scalar loss tensor, owned by the caller.</returns>
    /// <exception cref="ArgumentException">The shapes do not match, or an image has no other image of its class.</exception>
    public static Tensor Nca(Tensor embeddings, Tensor labels, DistanceMetric metric = DistanceMetric.SquaredEuclidean, double? temperature = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(labels);
        if (embeddings.dim() != 2 || labels.dim() != 1 || labels.shape[0] != embeddings.shape[0] || embeddings.shape[0] < 2)
        {
            throw new ArgumentException(
                $"Expected at least two embeddings [M,D] with labels [M]; got [{string.Join(",", embeddings.shape)}] and [{string.Join(",", labels.shape)}].",
                nameof(labels));
        }

        using var scope = NewDisposeScope();
        var logits = Logits(embeddings, embeddings, metric, temperature);
        var y = labels.to(embeddings.device);
        var self = eye(embeddings.shape[0], dtype: ScalarType.Bool, device: embeddings.device);
        var positives = y.unsqueeze(0).eq(y.unsqueeze(1)).logical_and(self.logical_not());
        if (!positives.any(1).all().item<bool>())
        {
            throw new ArgumentException("Every image needs at least one other image of its class in the batch (shot + query of at least 2).", nameof(labels));
        }

        using var minusInfinity = double.NegativeInfinity.ToScalar();
        var all = logits.masked_fill(self, minusInfinity).logsumexp(1);
        var same = logits.masked_fill(positives.logical_not(), minusInfinity).logsumexp(1);
        return (all - same).mean().MoveToOuterDisposeScope();
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
