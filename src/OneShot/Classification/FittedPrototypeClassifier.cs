using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// A <see cref="PrototypeClassifier"/> fitted to a support set: one prototype per class. A class's score is the
/// distance from the query to its prototype (<see cref="ScoreKind.Distance"/>); probabilities are
/// <c>softmax(−distance / Temperature)</c>.
/// </summary>
/// <remarks>
/// <see cref="FittedClassifier{TOptions}.Predict"/>, <see cref="FittedClassifier{TOptions}.PredictProbabilities"/> and
/// <see cref="GetPrototypes"/> are safe to call from many threads at once; <see cref="FittedClassifier{TOptions}.Dispose()"/> is not.
/// </remarks>
public sealed class FittedPrototypeClassifier : FittedClassifier<PrototypeClassifierOptions>
{
    private readonly Tensor _prototypes;
    private readonly Tensor? _centeringMean;
    private readonly Tensor _prototypeSquaredNorms;

    internal FittedPrototypeClassifier(PrototypeClassifierOptions options, string[] classes, Tensor prototypes, Tensor? centeringMean)
        : base(options, classes, (int)prototypes.shape[1], ScoreKind.Distance)
    {
        _centeringMean = centeringMean;
        _prototypes = prototypes;
        using (no_grad())
        {
            _prototypeSquaredNorms = prototypes.mul(prototypes).sum(1).DetachFromDisposeScope();
        }
    }

    /// <summary>The prototypes <c>[C,D]</c> (of transformed embeddings when <see cref="PrototypeClassifierOptions.Transform"/> is set), rows in <see cref="FittedClassifier{TOptions}.Classes"/> order, as a new float32 CPU tensor owned by the caller.</summary>
    public Tensor GetPrototypes()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return _prototypes.clone();
    }

    /// <inheritdoc />
    protected override ClassScores Score(Tensor queries)
    {
        var q = FeatureTransformer.Apply(queries, Options.Transform, _centeringMean);
        var distances = Distances.ComputeWithNorms(q, _prototypes, _prototypeSquaredNorms, Options.Metric);
        return ClassScores.FromTensors(distances, Distances.SoftmaxOfNegative(distances, Options.Temperature));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _prototypes.Dispose();
        _prototypeSquaredNorms.Dispose();
        _centeringMean?.Dispose();
    }
}
