using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>
/// A linear head <c>x Wᵀ + b</c> scored as cross-entropies: the scoring shared by the linear probe and the fine-tuned
/// classifier. Owns its two tensors.
/// </summary>
internal sealed class LinearHead : IDisposable
{
    public LinearHead(Tensor weight, Tensor bias)
    {
        Weight = weight;
        Bias = bias;
    }

    /// <summary>The weights <c>[C,D]</c>.</summary>
    public Tensor Weight { get; }

    /// <summary>The biases <c>[C]</c>.</summary>
    public Tensor Bias { get; }

    /// <summary>Scores <c>−log softmax(logits)</c> and probabilities <c>softmax(logits / temperature)</c> of float32 CPU queries <c>[Q,D]</c>.</summary>
    public ClassScores Score(Tensor queries, double temperature)
    {
        var logits = queries.matmul(Weight.t()).add(Bias, TorchScalars.One);
        using var t = temperature.ToScalar();
        return ClassScores.FromTensors(logits.log_softmax(1).neg(), logits.div(t).softmax(1));
    }

    public void Dispose()
    {
        Weight.Dispose();
        Bias.Dispose();
    }
}
