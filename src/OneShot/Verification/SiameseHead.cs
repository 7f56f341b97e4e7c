using OneShot.Classification;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Verification;

/// <summary>
/// How a trained Siamese network scores a pair of embeddings, as plain numbers (no module): the contrastive
/// head compares Euclidean distances, the Koch head holds the <c>D</c> weights and the bias of its linear layer.
/// </summary>
/// <remarks>
/// Score convention, higher = more alike: <see cref="SiameseHeadKind.Koch"/> gives the probability "same",
/// <c>σ(w·|a − b| + bias)</c> in [0, 1]; <see cref="SiameseHeadKind.Contrastive"/> gives the negative Euclidean
/// distance <c>−‖a − b‖</c> in (−∞, 0]. Immutable and safe to use from many threads.
/// </remarks>
public sealed class SiameseHead
{
    private readonly float[] _kochWeights;

    private SiameseHead(SiameseHeadKind kind, double? margin, float[] kochWeights, float kochBias)
    {
        Kind = kind;
        Margin = margin;
        _kochWeights = kochWeights;
        KochBias = kochBias;
    }

    /// <summary>The kind of head.</summary>
    public SiameseHeadKind Kind { get; }

    /// <summary>The contrastive margin the head was trained with; null for a Koch head.</summary>
    public double? Margin { get; }

    /// <summary>The Koch head's weights, one per embedding value; empty for a contrastive head.</summary>
    public IReadOnlyList<float> KochWeights => _kochWeights;

    /// <summary>The Koch head's bias; 0 for a contrastive head.</summary>
    public float KochBias { get; }

    /// <summary>The threshold used before calibration: probability 0.5 (Koch) or distance margin/2, that is score −margin/2 (contrastive).</summary>
    public double DefaultThreshold => Kind == SiameseHeadKind.Koch ? 0.5 : -Margin!.Value / 2;

    /// <summary>A contrastive head: pairs are scored by negative Euclidean distance.</summary>
    /// <param name="margin">The margin of the contrastive loss, positive and finite.</param>
    public static SiameseHead Contrastive(double margin = 1.0) =>
        double.IsFinite(margin) && margin > 0
            ? new SiameseHead(SiameseHeadKind.Contrastive, margin, [], 0f)
            : throw new ArgumentOutOfRangeException(nameof(margin), margin, "The contrastive margin must be positive and finite.");

    /// <summary>A Koch head with the given linear-layer weights (D values) and bias.</summary>
    /// <exception cref="ArgumentException">The weights are empty or a value is not finite.</exception>
    public static SiameseHead Koch(IReadOnlyList<float> weights, float bias)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0 || weights.Any(w => !float.IsFinite(w)) || !float.IsFinite(bias))
        {
            throw new ArgumentException($"A Koch head needs at least one weight and finite values; got {weights.Count} weights, bias {bias}.", nameof(weights));
        }

        return new SiameseHead(SiameseHeadKind.Koch, null, [.. weights], bias);
    }

    /// <summary>
    /// What a <see cref="SiameseClassifier"/> reports as a class's score with this head: the Euclidean distance
    /// (<see cref="ScoreKind.Distance"/>, contrastive) or the pair probability "same" (<see cref="ScoreKind.PairProbability"/>, Koch).
    /// </summary>
    public ScoreKind ScoreKind => Kind == SiameseHeadKind.Koch ? ScoreKind.PairProbability : ScoreKind.Distance;

    /// <summary>The class score reported for a pair score: the pair score itself (Koch) or the distance −score (contrastive).</summary>
    internal double ToClassScore(double pairScore) => Kind == SiameseHeadKind.Koch ? pairScore : -pairScore;

    /// <summary>Throws when embeddings of length <paramref name="embeddingSize"/> do not fit a Koch head.</summary>
    internal void EnsureFits(int embeddingSize, string argument)
    {
        if (Kind == SiameseHeadKind.Koch && _kochWeights.Length != embeddingSize)
        {
            throw new ArgumentException($"The Koch head has {_kochWeights.Length} weights but the embeddings have {embeddingSize} values; expected one weight per value.", argument);
        }
    }

    /// <summary>The scores <c>[Q,S]</c> of every query row against every support row, float32 CPU, in the current dispose scope.</summary>
    internal Tensor ScoreMatrix(Tensor queries, Tensor support)
    {
        var q = queries.detach().cpu().to_type(ScalarType.Float32);
        var s = support.detach().cpu().to_type(ScalarType.Float32);
        if (Kind == SiameseHeadKind.Contrastive)
        {
            return Distances.Compute(q, s, DistanceMetric.Euclidean).neg_();
        }

        var w = tensor(_kochWeights);
        using var bias = KochBias.ToScalar();
        return (q.unsqueeze(1) - s.unsqueeze(0)).abs_().matmul(w).add_(bias, TorchScalars.One).sigmoid_();
    }

    /// <summary>The scores <c>[P]</c> of the row pairs (<paramref name="left"/>[i], <paramref name="right"/>[i]), float32 CPU, in the current dispose scope.</summary>
    internal Tensor PairScores(Tensor left, Tensor right)
    {
        var difference = left.detach().cpu().to_type(ScalarType.Float32) - right.detach().cpu().to_type(ScalarType.Float32);
        if (Kind == SiameseHeadKind.Contrastive)
        {
            return difference.mul(difference).sum(1).sqrt().neg();
        }

        using var bias = KochBias.ToScalar();
        return difference.abs().matmul(tensor(_kochWeights)).add(bias, TorchScalars.One).sigmoid();
    }
}
