using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>The weight initialisation of the reference ResNets (RFS, torchvision).</summary>
internal static class KaimingInit
{
    /// <summary>
    /// Fills every convolution weight of <paramref name="network"/> from a Kaiming normal with fan-out mode and
    /// the (leaky) ReLU gain √2, as <c>nn.init.kaiming_normal_(w, mode='fan_out', nonlinearity='relu')</c> does.
    /// Batch norms keep TorchSharp's initial weight 1 and bias 0, which is what the references set.
    /// </summary>
    public static void FanOutConvolutions(nn.Module network)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (_, module) in network.named_modules())
        {
            if (module is Conv2d conv && conv.weight is { } weight)
            {
                nn.init.kaiming_normal_(weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
            }
        }
    }
}
