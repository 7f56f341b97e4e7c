using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// A <see cref="PrototypeClassifier"/> fitted to a support set: one prototype per class. Probabilities are
/// <c>softmax(−distance / Temperature)</c> over the class distances; candidates are ordered by distance
/// (ties go to the class that appeared first in the support labels).
/// </summary>
/// <remarks>
/// <see cref="Predict"/>, <see cref="PredictProbabilities"/> and <see cref="GetPrototypes"/> are safe to call
/// from many threads at once; <see cref="Dispose"/> is not.
/// </remarks>
public sealed class FittedPrototypeClassifier : IFittedClassifier
{
    private readonly Tensor _prototypes;
    private readonly Tensor? _centeringMean;
    private readonly string[] _classes;
    private bool _disposed;

    internal FittedPrototypeClassifier(PrototypeClassifierOptions options, string[] classes, Tensor prototypes, Tensor? centeringMean)
    {
        _centeringMean = centeringMean;
        Options = options;
        _classes = classes;
        _prototypes = prototypes;
        EmbeddingSize = (int)prototypes.shape[1];
    }

    /// <inheritdoc cref="IFittedClassifier.Options" />
    public PrototypeClassifierOptions Options { get; }

    /// <inheritdoc />
    ClassifierOptions IFittedClassifier.Options => Options;

    /// <inheritdoc />
    public IReadOnlyList<string> Classes => _classes;

    /// <inheritdoc />
    public int EmbeddingSize { get; }

    /// <summary>The prototypes <c>[C,D]</c> (of transformed embeddings when <see cref="PrototypeClassifierOptions.Transform"/> is set), rows in <see cref="Classes"/> order, as a new float32 CPU tensor owned by the caller.</summary>
    public Tensor GetPrototypes()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _prototypes.clone();
    }

    /// <inheritdoc />
    public IReadOnlyList<Prediction> Predict(Tensor queries)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        var (distances, probabilities) = Score(queries);
        int q = (int)distances.shape[0];
        int c = _classes.Length;
        float[] d = distances.data<float>().ToArray();
        float[] p = probabilities.data<float>().ToArray();
        var predictions = new Prediction[q];
        for (int i = 0; i < q; i++)
        {
            var rowDistances = d.AsSpan(i * c, c);
            float[] keys = rowDistances.ToArray();
            int[] order = Enumerable.Range(0, c).ToArray();
            Array.Sort(order, (a, b) => keys[a] != keys[b] ? keys[a].CompareTo(keys[b]) : a.CompareTo(b));
            predictions[i] = PredictionBuilder.Build(_classes, Options, rowDistances, p.AsSpan(i * c, c), order);
        }

        return predictions;
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
            _prototypes.Dispose();
            _centeringMean?.Dispose();
        }
    }

    private (Tensor Distances, Tensor Probabilities) Score(Tensor queries)
    {
        using var noGrad = no_grad();
        var q = FeatureTransformer.Apply(SupportSet.PrepareQueries(queries, EmbeddingSize), Options.Transform, _centeringMean);
        var distances = Distances.Compute(q, _prototypes, Options.Metric).contiguous();
        var probabilities = distances.div(-Options.Temperature).softmax(1).contiguous();
        return (distances, probabilities);
    }
}
