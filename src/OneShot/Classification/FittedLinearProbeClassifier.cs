using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// A <see cref="LinearProbeClassifier"/> fitted to a support set: logits <c>x Wᵀ + b</c>. A class's score is its
/// cross-entropy <c>−log softmax(logits)</c> (<see cref="ScoreKind.NegativeLogLikelihood"/>); probabilities are
/// <c>softmax(logits / Temperature)</c>, that is <c>softmax(−score / Temperature)</c>.
/// </summary>
/// <remarks>
/// <see cref="FittedClassifier{TOptions}.Predict"/>, <see cref="FittedClassifier{TOptions}.PredictProbabilities"/>,
/// <see cref="GetWeights"/> and <see cref="GetBias"/> are safe to call from many threads at once;
/// <see cref="FittedClassifier{TOptions}.Dispose()"/> is not.
/// </remarks>
public sealed class FittedLinearProbeClassifier : FittedClassifier<LinearProbeClassifierOptions>
{
    private readonly LinearHead _head;

    internal FittedLinearProbeClassifier(LinearProbeClassifierOptions options, string[] classes, Tensor weight, Tensor bias)
        : base(options, classes, (int)weight.shape[1], ScoreKind.NegativeLogLikelihood)
    {
        _head = new LinearHead(weight, bias);
    }

    /// <summary>The weights <c>[C,D]</c>, rows in <see cref="FittedClassifier{TOptions}.Classes"/> order, as a new float32 CPU tensor owned by the caller.</summary>
    public Tensor GetWeights()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return _head.Weight.clone();
    }

    /// <summary>The biases <c>[C]</c> in <see cref="FittedClassifier{TOptions}.Classes"/> order, as a new float32 CPU tensor owned by the caller.</summary>
    public Tensor GetBias()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return _head.Bias.clone();
    }

    /// <inheritdoc />
    protected override ClassScores Score(Tensor queries) => _head.Score(queries, Options.Temperature);

    /// <inheritdoc />
    protected override void Dispose(bool disposing) => _head.Dispose();
}
