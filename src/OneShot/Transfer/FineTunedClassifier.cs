using OneShot.Classification;
using OneShot.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Transfer;

/// <summary>
/// The result of <see cref="FineTuner"/>: a fine-tuned embedder and a linear head over the support classes, which
/// together classify images. It is an <see cref="IFittedClassifier"/> over the embeddings of <see cref="Embedder"/>.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="FittedClassifier{TOptions}.Predict"/> and <see cref="FittedClassifier{TOptions}.PredictProbabilities"/>
/// take either images <c>[N,C,H,W]</c> (embedded with <see cref="Embedder"/> first) or embeddings <c>[Q,D]</c> made by
/// <see cref="Embedder"/>. A class's score is its cross-entropy <c>−log p</c> (<see cref="ScoreKind.NegativeLogLikelihood"/>);
/// probabilities are <c>softmax(logits / Temperature)</c> with the temperature of <see cref="FittedClassifier{TOptions}.Options"/>
/// (1). Both are safe to call from many threads at once; <see cref="FittedClassifier{TOptions}.Dispose()"/> is not.
/// </para>
/// <para>
/// Ownership follows the library's rule, "the caller owns what it passes in; a type that creates an embedder owns it":
/// the copy <see cref="FineTuner"/> makes is owned (and disposed) by this classifier; with
/// <see cref="FineTuningOptions.InPlace"/> the embedder is the caller's, who disposes it.
/// </para>
/// </remarks>
public sealed class FineTunedClassifier : FittedClassifier<LinearProbeClassifierOptions>
{
    private readonly LinearHead _head;
    private readonly bool _ownsEmbedder;

    internal FineTunedClassifier(
        FineTuningOptions options, Embedder embedder, bool ownsEmbedder, string[] classes, Tensor weight, Tensor bias, FineTuningResult result)
        : base(new LinearProbeClassifierOptions { TopK = options.TopK }, classes, (int)weight.shape[1], ScoreKind.NegativeLogLikelihood)
    {
        FineTuning = options;
        Embedder = embedder;
        _ownsEmbedder = ownsEmbedder;
        _head = new LinearHead(weight, bias);
        Result = result;
    }

    /// <summary>The recipe the classifier was fine-tuned with.</summary>
    public FineTuningOptions FineTuning { get; }

    /// <summary>
    /// The fine-tuned embedder, in evaluation mode. Unless <see cref="FineTuningOptions.InPlace"/> was set it is a copy
    /// owned (and disposed) by this classifier, with every parameter trainable; in place it is the caller's embedder,
    /// with each parameter as trainable as it was given.
    /// </summary>
    public Embedder Embedder { get; }

    /// <summary>What the run did: steps per phase, the held-out set and the kept weights.</summary>
    public FineTuningResult Result { get; }

    /// <summary>The head's weights <c>[C,D]</c> (rows in <see cref="FittedClassifier{TOptions}.Classes"/> order) as a new float32 CPU tensor owned by the caller.</summary>
    public Tensor GetHeadWeights()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return _head.Weight.clone();
    }

    /// <summary>The head's biases <c>[C]</c> as a new float32 CPU tensor owned by the caller.</summary>
    public Tensor GetHeadBias()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return _head.Bias.clone();
    }

    /// <inheritdoc />
    protected override ClassScores Score(Tensor queries) => _head.Score(queries, Options.Temperature);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _head.Dispose();
        if (_ownsEmbedder)
        {
            Embedder.Dispose();
        }
    }

    /// <summary>Images <c>[N,C,H,W]</c> are embedded first; embeddings <c>[Q,D]</c> are checked as usual.</summary>
    private protected override Tensor PrepareQueries(Tensor queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        return queries.dim() == 4
            ? SupportSet.PrepareQueries(Embedder.Embed(queries), EmbeddingSize)
            : SupportSet.PrepareQueries(queries, EmbeddingSize);
    }
}
