using static TorchSharp.torch;

namespace OneShot.Training;

/// <summary>The prototypical loss of one episode: the loss tensor (for backpropagation) and the query accuracy.</summary>
/// <remarks>Owns <see cref="Loss"/>; dispose it when done (or let the enclosing dispose scope do it).</remarks>
internal sealed class PrototypicalLossResult : IDisposable
{
    internal PrototypicalLossResult(Tensor loss, double accuracy)
    {
        Loss = loss;
        Accuracy = accuracy;
    }

    /// <summary>The mean cross-entropy over the queries, a float32 scalar that records gradients when its inputs do.</summary>
    public Tensor Loss { get; }

    /// <summary>The fraction of queries whose nearest prototype is their own class, 0..1.</summary>
    public double Accuracy { get; }

    /// <inheritdoc />
    public void Dispose() => Loss.Dispose();
}
