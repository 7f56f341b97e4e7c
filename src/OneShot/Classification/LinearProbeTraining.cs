using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Classification;

/// <summary>Full-batch Adam on a few parameters, for the heads fitted on frozen embeddings.</summary>
internal static class LinearProbeTraining
{
    /// <summary>
    /// Takes <paramref name="steps"/> Adam steps on <paramref name="loss"/>, with gradients enabled even when the
    /// caller runs under <c>no_grad</c> or inference mode. Deterministic: there is no sampling.
    /// </summary>
    public static void Minimize(IReadOnlyList<Parameter> parameters, Func<Tensor> loss, int steps, double learningRate)
    {
        using var notInference = inference_mode(false);
        using var grad = enable_grad();
        using var optimizer = optim.Adam(parameters, lr: learningRate);
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            loss().backward();
            optimizer.step();
        }
    }
}
