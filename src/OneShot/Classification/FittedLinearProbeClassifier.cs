using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// A <see cref="LinearProbeClassifier"/> fitted to a support set: logits <c>x Wᵀ + b</c>. A class's distance is its
/// cross-entropy <c>−log softmax(logits)</c>; probabilities are <c>softmax(logits / Temperature)</c>; candidates are
/// ordered by distance (ties go to the class that appeared first).
/// </summary>
/// <remarks>
/// <see cref="Predict"/>, <see cref="PredictProbabilities"/>, <see cref="GetWeights"/> and <see cref="GetBias"/> are
/// safe to call from many threads at once; <see cref="Dispose"/> is not.
/// </remarks>
public sealed class FittedLinearProbeClassifier : IFittedClassifier
{
    private readonly Tensor _weight;
    private readonly Tensor _bias;
    private readonly string[] _classes;
    private bool _disposed;

    internal FittedLinearProbeClassifier(LinearProbeClassifierOptions options, string[] classes, Tensor weight, Tensor bias)
    {
        Options = options;
        _classes = classes;
        _weight = weight;
        _bias = bias;
        EmbeddingSize = (int)weight.shape[1];
    }

    /// <inheritdoc cref="IFittedClassifier.Options" />
    public LinearProbeClassifierOptions Options { get; }

    /// <inheritdoc />
    ClassifierOptions IFittedClassifier.Options => Options;

    /// <inheritdoc />
    public IReadOnlyList<string> Classes => _classes;

    /// <inheritdoc />
    public int EmbeddingSize { get; }

    /// <summary>The weights <c>[C,D]</c>, rows in <see cref="Classes"/> order, as a new float32 CPU tensor owned by the caller.</summary>
    public Tensor GetWeights()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _weight.clone();
    }

    /// <summary>The biases <c>[C]</c> in <see cref="Classes"/> order, as a new float32 CPU tensor owned by the caller.</summary>
    public Tensor GetBias()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _bias.clone();
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
            _bias.Dispose();
        }
    }

    private (Tensor Distances, Tensor Probabilities) Score(Tensor queries)
    {
        using var noGrad = no_grad();
        var q = SupportSet.PrepareQueries(queries, EmbeddingSize);
        var logits = q.matmul(_weight.t()).add(_bias);
        var distances = logits.log_softmax(1).neg().contiguous();
        var probabilities = logits.div(Options.Temperature).softmax(1).contiguous();
        return (distances, probabilities);
    }
}
