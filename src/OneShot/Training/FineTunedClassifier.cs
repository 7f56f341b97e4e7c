using OneShot.Classification;
using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Training;

/// <summary>
/// The result of <see cref="FineTuner"/>: a fine-tuned embedder and a linear head over the support classes, which
/// together classify images.
/// </summary>
/// <remarks>
/// A class's distance is its cross-entropy <c>−log p</c>; probabilities are <c>softmax(logits)</c>; candidates are
/// ordered by distance (ties go to the class that appeared first). <see cref="Predict"/> and
/// <see cref="PredictProbabilities"/> are safe to call from many threads at once; <see cref="Dispose"/> is not.
/// </remarks>
public sealed class FineTunedClassifier : IDisposable
{
    private readonly Tensor _weight;
    private readonly Tensor _bias;
    private readonly string[] _classes;
    private readonly bool _ownsEmbedder;
    private readonly ClassifierOptions _predictionOptions;
    private bool _disposed;

    internal FineTunedClassifier(
        FineTuningOptions options, Embedder embedder, bool ownsEmbedder, string[] classes, Tensor weight, Tensor bias, FineTuningResult result)
    {
        Options = options;
        Embedder = embedder;
        _ownsEmbedder = ownsEmbedder;
        _classes = classes;
        _weight = weight;
        _bias = bias;
        Result = result;
        _predictionOptions = new LinearProbeClassifierOptions { TopK = options.TopK };
    }

    /// <summary>The recipe the classifier was fine-tuned with.</summary>
    public FineTuningOptions Options { get; }

    /// <summary>
    /// The fine-tuned embedder, in evaluation mode. Unless <see cref="FineTuningOptions.InPlace"/> was set it is a copy
    /// owned (and disposed) by this classifier, with every parameter trainable; in place it is the caller's embedder,
    /// with each parameter as trainable as it was given.
    /// </summary>
    public Embedder Embedder { get; }

    /// <summary>The classes, in order of first appearance in the support labels; the columns of <see cref="PredictProbabilities"/>.</summary>
    public IReadOnlyList<string> Classes => _classes;

    /// <summary>What the run did: steps per phase, the held-out set and the kept weights.</summary>
    public FineTuningResult Result { get; }

    /// <summary>The head's weights <c>[C,D]</c> (rows in <see cref="Classes"/> order) as a new float32 CPU tensor owned by the caller.</summary>
    public Tensor GetHeadWeights()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _weight.clone();
    }

    /// <summary>The head's biases <c>[C]</c> as a new float32 CPU tensor owned by the caller.</summary>
    public Tensor GetHeadBias()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _bias.clone();
    }

    /// <summary>Classifies each image.</summary>
    /// <param name="images">Images <c>[N,C,H,W]</c> float32, shaped as <see cref="Embedder"/> expects.</param>
    /// <returns>One prediction per image, in order.</returns>
    /// <exception cref="ArgumentException">The images' shape or type does not fit the embedder.</exception>
    public IReadOnlyList<Prediction> Predict(Tensor images)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        var logits = Logits(images);
        float[] distances = logits.log_softmax(1).neg().contiguous().data<float>().ToArray();
        float[] probabilities = logits.softmax(1).contiguous().data<float>().ToArray();
        return ScoredPredictions.Build(_classes, _predictionOptions, distances, probabilities);
    }

    /// <summary>The probability of every class for each image.</summary>
    /// <param name="images">Images <c>[N,C,H,W]</c> float32, shaped as <see cref="Embedder"/> expects.</param>
    /// <returns>A new float32 CPU tensor <c>[N,C]</c> owned by the caller; rows sum to 1; columns follow <see cref="Classes"/>.</returns>
    public Tensor PredictProbabilities(Tensor images)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        return Logits(images).softmax(1).contiguous().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _weight.Dispose();
            _bias.Dispose();
            if (_ownsEmbedder)
            {
                Embedder.Dispose();
            }
        }
    }

    private Tensor Logits(Tensor images)
    {
        var embeddings = Embedder.Embed(images);
        using var noGrad = no_grad();
        return embeddings.matmul(_weight.t()).add(_bias);
    }
}
