using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// The inference copy of a backbone without a folded form: a second instance of the network with the same weights and
/// buffers, permanently in evaluation mode and without gradients. It costs as much memory as the network itself.
/// </summary>
internal sealed class EvalCopy : InferenceCopy
{
    private readonly nn.Module<Tensor, Tensor> _network;

    private EvalCopy(nn.Module<Tensor, Tensor> network, long version)
        : base(version) => _network = network;

    /// <summary>
    /// Copies the parameters and buffers of <paramref name="source"/> into <paramref name="twin"/> (a fresh instance of the
    /// same architecture on the same device, which the copy then owns) and switches the twin to evaluation mode.
    /// </summary>
    public static EvalCopy Create(nn.Module<Tensor, Tensor> source, nn.Module<Tensor, Tensor> twin, long version)
    {
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            var weights = source.state_dict();
            foreach (var (name, target) in twin.state_dict())
            {
                target.copy_(weights[name]);
            }

            foreach (var parameter in twin.parameters())
            {
                parameter.requires_grad = false;
            }
        }

        twin.eval();
        return new EvalCopy(twin, version);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor images) => _network.forward(images);

    /// <inheritdoc />
    protected override void ReleaseTensors() => _network.Dispose();
}
