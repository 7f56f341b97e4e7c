using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// Transfer learning without touching the embedder: a linear classifier (logistic regression) trained on the frozen
/// support embeddings.
/// </summary>
/// <remarks>
/// Weights and biases start at zero and are trained with full-batch Adam on the mean cross-entropy plus an L2 penalty,
/// so there is no randomness: the same support gives the same classifier bit for bit on the same machine and thread
/// count. Safe to use from many threads at once.
/// </remarks>
public sealed class LinearProbeClassifier : IFewShotClassifier
{
    /// <summary>Creates the classifier.</summary>
    /// <param name="options">The options; defaults to 200 Adam steps at 0.05 with weight decay 1e-3.</param>
    public LinearProbeClassifier(LinearProbeClassifierOptions? options = null)
    {
        Options = options ?? new LinearProbeClassifierOptions();
    }

    /// <inheritdoc cref="IFewShotClassifier.Options" />
    public LinearProbeClassifierOptions Options { get; }

    /// <inheritdoc />
    ClassifierOptions IFewShotClassifier.Options => Options;

    /// <inheritdoc cref="IFewShotClassifier.Fit" />
    public FittedLinearProbeClassifier Fit(Tensor supportEmbeddings, IReadOnlyList<string> labels)
    {
        var support = SupportSet.Create(supportEmbeddings, labels);
        using var scope = NewDisposeScope();
        var x = SupportSet.CopyToCpuFloat(supportEmbeddings);
        var y = tensor(support.ClassIndices.Select(i => (long)i).ToArray());
        using var weight = new TorchSharp.Modules.Parameter(zeros(support.Classes.Length, support.EmbeddingSize));
        using var bias = new TorchSharp.Modules.Parameter(zeros(support.Classes.Length));
        double decay = Options.WeightDecay;
        using var halfDecay = (decay / 2).ToScalar();
        LinearProbeTraining.Minimize(
            [weight, bias],
            () =>
            {
                var loss = nn.functional.cross_entropy(x.matmul(weight.t()).add(bias, TorchScalars.One), y);
                return decay > 0 ? loss.add(weight.mul(weight).sum().mul(halfDecay), TorchScalars.One) : loss;
            },
            Options.Steps,
            Options.LearningRate);
        using var noGrad = no_grad();
        return new FittedLinearProbeClassifier(
            Options,
            support.Classes,
            weight.detach().clone().DetachFromDisposeScope(),
            bias.detach().clone().DetachFromDisposeScope());
    }

    /// <inheritdoc />
    IFittedClassifier IFewShotClassifier.Fit(Tensor supportEmbeddings, IReadOnlyList<string> labels) =>
        Fit(supportEmbeddings, labels);
}
