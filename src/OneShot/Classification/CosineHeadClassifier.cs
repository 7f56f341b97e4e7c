using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// Few-shot adaptation at inference, Baseline++ style: a cosine classifier on frozen embeddings whose class weights
/// start at the normalised prototypes and are fine-tuned on the support embeddings with full-batch Adam.
/// </summary>
/// <remarks>
/// There is no randomness (the start is the prototypes, every step uses the whole support), so the same support
/// gives the same classifier bit for bit on the same machine and thread count. Safe to use from many threads at once.
/// </remarks>
public sealed class CosineHeadClassifier : IFewShotClassifier
{
    /// <summary>Creates the classifier.</summary>
    /// <param name="options">The options; defaults to 50 Adam steps at 0.01 with temperature 0.1.</param>
    public CosineHeadClassifier(CosineHeadClassifierOptions? options = null)
    {
        Options = options ?? new CosineHeadClassifierOptions();
    }

    /// <inheritdoc cref="IFewShotClassifier.Options" />
    public CosineHeadClassifierOptions Options { get; }

    /// <inheritdoc />
    ClassifierOptions IFewShotClassifier.Options => Options;

    /// <inheritdoc cref="IFewShotClassifier.Fit" />
    public FittedCosineHeadClassifier Fit(Tensor supportEmbeddings, IReadOnlyList<string> labels)
    {
        var support = SupportSet.Create(supportEmbeddings, labels);
        using var scope = NewDisposeScope();
        var x = nn.functional.normalize(SupportSet.CopyToCpuFloat(supportEmbeddings), p: 2, dim: 1);
        var y = tensor(support.ClassIndices.Select(i => (long)i).ToArray());
        var sums = zeros(support.Classes.Length, support.EmbeddingSize).index_add_(0, y, x, TorchScalars.One);
        using var weight = new TorchSharp.Modules.Parameter(nn.functional.normalize(sums, p: 2, dim: 1));
        using var scale = (1 / Options.Temperature).ToScalar();
        if (Options.Steps > 0)
        {
            LinearProbeTraining.Minimize(
                [weight],
                () => nn.functional.cross_entropy(x.matmul(nn.functional.normalize(weight, p: 2, dim: 1).t()).mul(scale), y),
                Options.Steps,
                Options.LearningRate);
        }

        using var noGrad = no_grad();
        var normalized = nn.functional.normalize(weight.detach(), p: 2, dim: 1).contiguous();
        return new FittedCosineHeadClassifier(Options, support.Classes, normalized.DetachFromDisposeScope());
    }

    /// <inheritdoc />
    IFittedClassifier IFewShotClassifier.Fit(Tensor supportEmbeddings, IReadOnlyList<string> labels) =>
        Fit(supportEmbeddings, labels);
}
