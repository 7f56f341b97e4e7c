using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// Weight initialisations of the reference networks, drawn from a caller's <see cref="Generator"/> so that seeded
/// runs do not depend on (or disturb) TorchSharp's process-global generator. A null generator means the global one.
/// </summary>
internal static class KaimingInit
{
    /// <summary>
    /// Fills every convolution weight of <paramref name="network"/> from a Kaiming normal with fan-out mode and
    /// the ReLU gain √2, as <c>nn.init.kaiming_normal_(w, mode='fan_out', nonlinearity='relu')</c> does (RFS, torchvision).
    /// Batch norms keep TorchSharp's initial weight 1 and bias 0, which is what the references set.
    /// </summary>
    public static void FanOutConvolutions(nn.Module network, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (_, module) in network.named_modules())
        {
            if (module is Conv2d conv && conv.weight is { } weight)
            {
                if (generator is null)
                {
                    nn.init.kaiming_normal_(weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                }
                else
                {
                    long fanOut = weight.shape[0] * weight.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
                    using var std = Math.Sqrt(2.0 / fanOut).ToScalar();
                    weight.copy_(randn(weight.shape, dtype: weight.dtype, generator: generator).mul_(std));
                }
            }
        }
    }

    /// <summary>
    /// Re-draws every convolution and linear layer of <paramref name="network"/> as PyTorch initialises them by
    /// default (<c>kaiming_uniform_(a=√5)</c>, i.e. weight and bias uniform in ±1/√fan_in), from <paramref name="generator"/>.
    /// </summary>
    public static void PyTorchDefault(nn.Module network, Generator generator)
    {
        using var scope = NewDisposeScope();
        foreach (var (_, module) in network.named_modules())
        {
            switch (module)
            {
                case Conv2d conv when conv.weight is { } weight:
                    UniformFanIn(weight, conv.bias, generator);
                    break;
                case Linear linear:
                    UniformFanIn(linear.weight!, linear.bias, generator);
                    break;
            }
        }
    }

    /// <summary>Fills <paramref name="weight"/> and <paramref name="bias"/> uniformly in ±1/√fan_in from <paramref name="generator"/>.</summary>
    public static void UniformFanIn(Tensor weight, Tensor? bias, Generator generator)
    {
        using var noGrad = no_grad();
        double limit = 1.0 / Math.Sqrt(weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b));
        using var bound = limit.ToScalar();
        using var width = (2 * limit).ToScalar();
        // rand + affine rather than nn.init.uniform_, which in TorchSharp 0.107 does not draw from the generator passed.
        weight.copy_(rand(weight.shape, dtype: weight.dtype, generator: generator).mul_(width).sub_(bound));
        if (bias is not null)
        {
            bias.copy_(rand(bias.shape, dtype: bias.dtype, generator: generator).mul_(width).sub_(bound));
        }
    }
}
