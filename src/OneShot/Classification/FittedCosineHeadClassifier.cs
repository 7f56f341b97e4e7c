using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// A <see cref="CosineHeadClassifier"/> fitted to a support set: one unit-length weight vector per class. A class's
/// score is the cosine distance <c>1 − cos(x, w)</c> (<see cref="ScoreKind.Distance"/>); probabilities are
/// <c>softmax(−distance / Temperature)</c>.
/// </summary>
/// <remarks>
/// <see cref="FittedClassifier{TOptions}.Predict"/>, <see cref="FittedClassifier{TOptions}.PredictProbabilities"/> and
/// <see cref="GetWeights"/> are safe to call from many threads at once; <see cref="FittedClassifier{TOptions}.Dispose()"/> is not.
/// </remarks>
public sealed class FittedCosineHeadClassifier : FittedClassifier<CosineHeadClassifierOptions>
{
    private readonly Tensor _weight;

    internal FittedCosineHeadClassifier(CosineHeadClassifierOptions options, string[] classes, Tensor weight)
        : base(options, classes, (int)weight.shape[1], ScoreKind.Distance)
    {
        _weight = weight;
    }

    /// <summary>The unit-length class weights <c>[C,D]</c>, rows in <see cref="FittedClassifier{TOptions}.Classes"/> order, as a new float32 CPU tensor owned by the caller.</summary>
    public Tensor GetWeights()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return _weight.clone();
    }

    /// <inheritdoc />
    protected override ClassScores Score(Tensor queries)
    {
        var q = nn.functional.normalize(queries, p: 2, dim: 1);
        var distances = Distances.CosineDistanceFromSimilarity(q.matmul(_weight.t()));
        return ClassScores.FromTensors(distances, Distances.SoftmaxOfNegative(distances, Options.Temperature));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing) => _weight.Dispose();
}
