using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// A <see cref="CosineHeadClassifier"/> fitted to a support set: one unit-length weight vector per class. A class's
/// distance is the cosine distance <c>1 − cos(x, w)</c>; probabilities are <c>softmax(Scale × cos / Temperature)</c>;
/// candidates are ordered by distance (ties go to the class that appeared first).
/// </summary>
/// <remarks>
/// <see cref="Predict"/>, <see cref="PredictProbabilities"/> and <see cref="GetWeights"/> are safe to call from many
/// threads at once; <see cref="Dispose"/> is not.
/// </remarks>
public sealed class FittedCosineHeadClassifier : IFittedClassifier
{
    private readonly Tensor _weight;
    private readonly string[] _classes;
    private bool _disposed;

    internal FittedCosineHeadClassifier(CosineHeadClassifierOptions options, string[] classes, Tensor weight)
    {
        Options = options;
        _classes = classes;
        _weight = weight;
        EmbeddingSize = (int)weight.shape[1];
    }

    /// <inheritdoc cref="IFittedClassifier.Options" />
    public CosineHeadClassifierOptions Options { get; }

    /// <inheritdoc />
    ClassifierOptions IFittedClassifier.Options => Options;

    /// <inheritdoc />
    public IReadOnlyList<string> Classes => _classes;

    /// <inheritdoc />
    public int EmbeddingSize { get; }

    /// <summary>The unit-length class weights <c>[C,D]</c>, rows in <see cref="Classes"/> order, as a new float32 CPU tensor owned by the caller.</summary>
    public Tensor GetWeights()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _weight.clone();
    }

    /// <inheritdoc />
    public IReadOnlyList<Prediction> Predict(Tensor queries)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        var (distances, probabilities) = Score(queries);
        return ScoredPredictions.Build(_classes, Options, distances.data<float>().ToArray(), probabilities.data<float>().ToArray());
    }

    /// <inheritdoc />
    public Tensor PredictProbabilities(Tensor queries)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        return Score(queries).Probabilities.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _weight.Dispose();
        }
    }

    private (Tensor Distances, Tensor Probabilities) Score(Tensor queries)
    {
        using var noGrad = no_grad();
        var q = nn.functional.normalize(SupportSet.PrepareQueries(queries, EmbeddingSize), p: 2, dim: 1);
        var cosine = q.matmul(_weight.t());
        var distances = cosine.neg().add(1).contiguous();
        var probabilities = cosine.mul(Options.Scale / Options.Temperature).softmax(1).contiguous();
        return (distances, probabilities);
    }
}
