using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Training;

/// <summary>The bookkeeping of a training run beyond weights and optimizer: what a checkpoint must carry to resume exactly.</summary>
internal sealed class TrainingState : IDisposable
{
    /// <summary>Episodes completed.</summary>
    public int Episode { get; set; }

    /// <summary>The lowest mean validation loss so far.</summary>
    public double? BestLoss { get; set; }

    /// <summary>The validation accuracy at the best loss.</summary>
    public double? BestAccuracy { get; set; }

    /// <summary>The episode of the best validation loss.</summary>
    public int? BestEpisode { get; set; }

    /// <summary>Validations in a row without improvement.</summary>
    public int StaleValidations { get; set; }

    /// <summary>True once the patience ran out.</summary>
    public bool StoppedEarly { get; set; }

    /// <summary>A copy of the weights at <see cref="BestEpisode"/>, owned by this state.</summary>
    public Dictionary<string, Tensor>? BestWeights { get; private set; }

    /// <summary>Keeps a detached copy of <paramref name="network"/>'s state dict as the best weights.</summary>
    public void KeepBest(nn.Module network)
    {
        var copy = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            foreach (var (name, tensor) in network.state_dict())
            {
                copy[name] = tensor.detach().clone().DetachFromDisposeScope();
            }
        }

        SetBest(copy);
    }

    /// <summary>Replaces the best weights with <paramref name="weights"/>, taking ownership.</summary>
    public void SetBest(Dictionary<string, Tensor>? weights)
    {
        if (BestWeights is not null)
        {
            foreach (var t in BestWeights.Values)
            {
                t.Dispose();
            }
        }

        BestWeights = weights;
    }

    /// <inheritdoc />
    public void Dispose() => SetBest(null);
}
